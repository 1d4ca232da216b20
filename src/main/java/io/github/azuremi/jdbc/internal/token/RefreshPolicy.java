package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.time.Instant;

/**
 * When a token should be refreshed and until when it may be handed out: a pure function of the time it
 * was fetched, its expiry and its refresh hint, so it is tested without clocks.
 *
 * <p>The rules, and why:
 * <ul>
 *   <li><b>Refresh point.</b> The token's own hint ({@code refresh_in}/{@code refreshOn}, which MSAL sets to
 *   half the lifetime for tokens that live over two hours) when it lies between now and expiry; otherwise
 *   {@code ratio} of the lifetime (default one half, as the Cloud SQL connector and MSAL do). Refreshing at
 *   half-life leaves the other half to ride out an outage of the identity endpoint: 12 h for a managed
 *   identity token, 30-45 min for a developer token, 15 s for a 30 s test token.</li>
 *   <li><b>Jitter.</b> The refresh point moves <em>later</em> by a random share ({@code jitter}, default
 *   10 %) of the time left between it and expiry, so a fleet started together does not refresh in
 *   lockstep, and a refresh never happens before MSAL's own refresh point (which would return the token
 *   MSAL already holds).</li>
 *   <li><b>Usable until.</b> A token is handed out only until {@code expiryMargin} before it expires
 *   (default 30 s, at most a tenth of its lifetime so that tokens of seconds still work), so a login that
 *   starts with it finishes before the server would refuse it.</li>
 * </ul>
 */
public final class RefreshPolicy {

    private final double ratio;
    private final double jitter;
    private final Duration expiryMargin;

    public RefreshPolicy(double ratio, double jitter, Duration expiryMargin) {
        if (!(ratio > 0.0 && ratio < 1.0)) {
            throw new IllegalArgumentException("ratio must be > 0 and < 1, was " + ratio);
        }
        if (!(jitter >= 0.0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("jitter must be between 0 and 0.5, was " + jitter);
        }
        if (expiryMargin.isNegative()) {
            throw new IllegalArgumentException("expiryMargin must not be negative, was " + expiryMargin);
        }
        this.ratio = ratio;
        this.jitter = jitter;
        this.expiryMargin = expiryMargin;
    }

    public static RefreshPolicy defaults() {
        return TokenSettings.DEFAULTS.policy();
    }

    /**
     * @param fetchedAt    when the request for the token started (not when it ended: the token's lifetime
     *                     is counted from the earliest moment it could have been issued)
     * @param expiresAt    the token's expiry ({@code expires_on})
     * @param refreshHint  the token's own refresh hint, or null
     * @param random       a sample from [0, 1) that chooses the jitter
     */
    public Schedule schedule(Instant fetchedAt, Instant expiresAt, Instant refreshHint, double random) {
        long lifetimeNanos = Math.max(0, Duration.between(fetchedAt, expiresAt).toNanos());
        long marginNanos = Math.min(expiryMargin.toNanos(), lifetimeNanos / 10);
        Instant usableUntil = expiresAt.minusNanos(marginNanos);

        Instant base;
        if (refreshHint != null && refreshHint.isAfter(fetchedAt) && refreshHint.isBefore(usableUntil)) {
            base = refreshHint;
        } else {
            base = fetchedAt.plusNanos((long) (lifetimeNanos * ratio));
        }
        if (base.isAfter(usableUntil)) {
            base = usableUntil;
        }
        long slackNanos = Math.max(0, Duration.between(base, usableUntil).toNanos());
        Instant refreshAt = base.plusNanos((long) (slackNanos * jitter * clamp01(random)));
        return new Schedule(refreshAt, usableUntil);
    }

    private static double clamp01(double value) {
        return Math.max(0.0, Math.min(value, 0.999_999));
    }

    public double ratio() {
        return ratio;
    }

    public double jitter() {
        return jitter;
    }

    public Duration expiryMargin() {
        return expiryMargin;
    }

    @Override
    public String toString() {
        return "RefreshPolicy{ratio=" + ratio + ", jitter=" + jitter + ", expiryMargin=" + expiryMargin + '}';
    }

    /** When to refresh, and the last instant at which the token may start a login. */
    public record Schedule(Instant refreshAt, Instant usableUntil) {}
}
