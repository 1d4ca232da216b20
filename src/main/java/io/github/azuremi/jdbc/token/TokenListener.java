package io.github.azuremi.jdbc.token;

import java.time.Duration;

/**
 * Told about every token request of a cache entry, by the thread that completed it. Implementations must
 * be fast and must not throw (exceptions are caught and logged at debug). Used by metrics and the demo.
 */
public interface TokenListener {

  /** A token was fetched (first fetch, background or read-triggered refresh, or forced after a rejection). */
  default void onTokenFetched(TokenInfo info) {}

  /**
   * A request failed.
   *
   * @param key                 the entry
   * @param cause               why (never contains a token)
   * @param latency             how long the failed request took
   * @param consecutiveFailures failures in a row, including this one
   * @param nextAttemptIn       how long the cache waits before asking the endpoint again
   * @param validTokenCached    whether a still-valid token keeps serving meanwhile
   */
  default void onTokenFetchFailed(TokenKey key, Throwable cause, Duration latency, int consecutiveFailures,
                                  Duration nextAttemptIn, boolean validTokenCached) {}
}
