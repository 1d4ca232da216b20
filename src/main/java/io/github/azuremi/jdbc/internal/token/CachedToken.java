package io.github.azuremi.jdbc.internal.token;

import java.time.Instant;

/**
 * An access token with its schedule. Immutable. {@link #toString()} never shows the token itself.
 */
public final class CachedToken implements TokenCache.Slot {

  private final String accessToken;
  private final Instant fetchedAt;
  private final Instant expiresAt;
  private final Instant refreshAt;
  private final Instant usableUntil;
  private final long refreshAtNanos;

  /**
   * @param refreshAtNanos the refresh point on the monotonic ticker of the cache (what the hot path of
   *                       {@link TokenCache} compares with: one cheap clock read instead of a wall-clock one)
   */
  public CachedToken(String accessToken, Instant fetchedAt, Instant expiresAt, RefreshPolicy.Schedule schedule,
                     long refreshAtNanos) {
    this.accessToken = accessToken;
    this.fetchedAt = fetchedAt;
    this.expiresAt = expiresAt;
    this.refreshAt = schedule.refreshAt();
    this.usableUntil = schedule.usableUntil();
    this.refreshAtNanos = refreshAtNanos;
  }

  /** The refresh point on the cache's monotonic ticker. */
  long refreshAtNanos() {
    return refreshAtNanos;
  }

  /** The secret. Only the login path may read it; never log it. */
  public String accessToken() {
    return accessToken;
  }

  public Instant fetchedAt() {
    return fetchedAt;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  public Instant refreshAt() {
    return refreshAt;
  }

  public Instant usableUntil() {
    return usableUntil;
  }

  public boolean isRefreshDue(Instant now) {
    return !now.isBefore(refreshAt);
  }

  public boolean isUsable(Instant now) {
    return now.isBefore(usableUntil);
  }

  /** The same token value (not merely an equal schedule). */
  public boolean sameTokenAs(CachedToken other) {
    return other != null && accessToken.equals(other.accessToken);
  }

  @Override
  public String toString() {
    return "CachedToken{fetchedAt=" + fetchedAt + ", refreshAt=" + refreshAt + ", usableUntil=" + usableUntil
        + ", expiresAt=" + expiresAt + ", length=" + accessToken.length() + '}';
  }
}
