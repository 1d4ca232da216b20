package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One pool's use of a shared token: obtained from {@link TokenCache#register}, closed when the pool closes.
 * Thread-safe.
 */
public final class TokenLease implements AutoCloseable {

  private final TokenCache cache;
  private final TokenCache.Entry entry;
  private final TokenListener listener;
  private final AtomicBoolean closed = new AtomicBoolean();

  TokenLease(TokenCache cache, TokenCache.Entry entry, TokenListener listener) {
    this.cache = cache;
    this.entry = entry;
    this.listener = listener;
  }

  /**
   * A token usable now. Returns at once when one is cached (starting a refresh in the background if it is
   * due); otherwise waits, at most {@code timeout}, for the single request in flight.
   *
   * @throws TokenUnavailableException when no token can be had in time; the message names the
   *                                   credential, the scope and the cause
   */
  public CachedToken acquire(Duration timeout) {
    checkOpen();
    return cache.acquire(entry, Objects.requireNonNull(timeout));
  }

  /**
   * The token to retry with after the database refused {@code rejected}: the current one if it was
   * replaced meanwhile, else a freshly fetched one; null if a fresh token was refused moments ago, in
   * which case the refusal is not the token's age and retrying would not help.
   */
  public CachedToken replaceRejected(CachedToken rejected, Duration timeout) {
    checkOpen();
    return cache.replaceRejected(entry, Objects.requireNonNull(rejected), Objects.requireNonNull(timeout));
  }

  /**
   * Why no token can be handed out now (no token yet, a request running for how long, the last failure
   * and when the next attempt is due), or null when a usable token is cached. Never contains a token.
   */
  public String unavailableReason() {
    return cache.unavailableReason(entry);
  }

  /** The cached token, if any, without waiting or fetching; for diagnostics. */
  public CachedToken current() {
    return cache.current(entry);
  }

  public TokenKey key() {
    return entry.key;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      cache.release(entry, listener);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("token lease for " + entry.key + " is closed");
    }
  }

  @Override
  public String toString() {
    return "TokenLease{" + entry.key + (closed.get() ? ", closed" : "") + '}';
  }
}
