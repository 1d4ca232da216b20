package io.github.azuremi.jdbc;

/**
 * Told about every token request of the identity and scope a pool uses (shared by all pools of that
 * identity and scope), by the thread that completed the request, after the token is in use and with no
 * lock of the library held. Implementations must be fast and must not throw (exceptions are caught and
 * logged at debug). Used by metrics and the demo.
 */
public interface TokenListener {

    /** A token was fetched (first fetch, background or read-triggered refresh, or after a refused token). */
    default void onTokenFetched(TokenInfo info) {}

    /** A request failed. */
    default void onTokenFetchFailed(TokenFetchFailure failure) {}
}
