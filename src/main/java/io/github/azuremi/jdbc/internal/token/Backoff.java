package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;

/**
 * Exponential backoff with "equal jitter" between failed token requests: attempt n waits between half and
 * all of {@code min(max, initial * 2^(n-1))}. Never less than half the nominal delay, so that even a
 * fleet of retrying pools stays at a bounded request rate; never more than {@code max}, so that a healed
 * endpoint is noticed quickly. A pure function; the random sample is injected.
 */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max backoff " + max + " is less than initial backoff " + initial);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    public static Backoff defaults() {
        return TokenSettings.DEFAULTS.backoff();
    }

    /**
     * @param failures the number of consecutive failures so far (1 after the first failure)
     * @param random   a sample from [0, 1)
     */
    public long delayNanos(int failures, double random) {
        int shift = Math.max(0, Math.min(failures - 1, 30));
        long nominal = initialNanos << shift;
        if (nominal <= 0 || nominal > maxNanos) {
            nominal = maxNanos;
        }
        long half = nominal / 2;
        return half + (long) (half * Math.max(0.0, Math.min(random, 1.0)));
    }

    public Duration initial() {
        return Duration.ofNanos(initialNanos);
    }

    public Duration max() {
        return Duration.ofNanos(maxNanos);
    }
}
