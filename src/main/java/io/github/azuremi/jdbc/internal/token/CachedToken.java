package io.github.azuremi.jdbc.internal.token;

import java.time.Instant;

/**
 * An access token with its schedule. Immutable. {@link #toString()} never shows the token itself.
 */
public final class CachedToken {

    private final String accessToken;
    private final Instant fetchedAt;
    private final Instant expiresAt;
    private final Instant refreshAt;
    private final Instant usableUntil;
    private final long refreshAtNanos;
    private final long usableUntilNanos;
    private final long refreshAtMillis;

    /**
     * @param refreshAtNanos   the refresh point on the monotonic ticker of the {@link TimeSource} (what the hot
     *                         path of {@link SharedToken} compares with: one cheap clock read)
     * @param usableUntilNanos the end of the usable time on the same ticker (when the store drops the token);
     *                         never before {@code refreshAtNanos}
     */
    public CachedToken(
            String accessToken,
            Instant fetchedAt,
            Instant expiresAt,
            RefreshPolicy.Schedule schedule,
            long refreshAtNanos,
            long usableUntilNanos) {
        this.accessToken = accessToken;
        this.fetchedAt = fetchedAt;
        this.expiresAt = expiresAt;
        this.refreshAt = schedule.refreshAt();
        this.usableUntil = schedule.usableUntil();
        this.refreshAtNanos = refreshAtNanos;
        this.usableUntilNanos = usableUntilNanos;
        this.refreshAtMillis = schedule.refreshAt().toEpochMilli();
    }

    /** The refresh point on the wall clock, in milliseconds: what the hot path compares with. */
    long refreshAtMillis() {
        return refreshAtMillis;
    }

    /** The end of the usable time on the monotonic ticker. */
    long usableUntilNanos() {
        return usableUntilNanos;
    }

    /** The refresh point on the monotonic ticker. */
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

    /** Whether this token, another value than {@code rejected}, is usable at {@code now} by both clocks. */
    boolean replaced(CachedToken rejected, long now, Instant wallNow) {
        return !sameTokenAs(rejected) && now - usableUntilNanos < 0 && isUsable(wallNow);
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
