package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The consecutive failed requests of one {@link SharedToken} and the backoff after them. A failed refresh keeps the
 * valid token serving. Consecutive failures are spaced by {@link Backoff}; until the next attempt is due no request
 * is sent, whatever the load, and readers without a token fail at once with the last failure. The timer retries, so
 * the token heals by itself.
 *
 * <p>Not thread-safe: the token holds it in a field guarded by its lock and calls it only under that lock (so Error
 * Prone checks every use).
 */
final class FailureStreak {

    private final Backoff backoff;
    private int count;
    private long nextAttemptNanos;
    private Throwable last;

    FailureStreak(Backoff backoff) {
        this.backoff = backoff;
    }

    /** The number of consecutive failures, 0 after a success. */
    int count() {
        return count;
    }

    /** The last failure, or null after a success. */
    Throwable last() {
        return last;
    }

    /** Whether no request may be sent at {@code now} (ticker nanoseconds): the backoff after a failure runs. */
    boolean isResting(long now) {
        return last != null && now - nextAttemptNanos < 0;
    }

    /** A request succeeded: the streak ends. */
    void reset() {
        count = 0;
        last = null;
        nextAttemptNanos = 0;
    }

    /** Another request failed with {@code failure}; returns how long, in nanoseconds, until the next may be sent. */
    long add(Throwable failure, DoubleSupplier random, TimeSource time) {
        count++;
        long backoffNanos = backoff.delayNanos(count, random.getAsDouble());
        nextAttemptNanos = time.read() + backoffNanos;
        last = failure;
        return backoffNanos;
    }

    /** What a reader without a token gets while no request may be sent. */
    TokenUnavailableException restingFailure(TokenKey key, long now) {
        if (last == null) {
            return new TokenUnavailableException(
                    "Could not get an access token from " + key.credential() + " for scope " + key.scope(), null);
        }
        long waitMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nextAttemptNanos - now));
        return new TokenUnavailableException(
                "Could not get an access token from " + key.credential()
                        + " for scope " + key.scope() + ": the last " + count + " request(s) failed, the last with "
                        + Redaction.describe(last) + "; next attempt in " + waitMs + " ms",
                last);
    }

    /** The streak for a diagnostic message: empty when there is none, else text that starts with "; ". */
    String describe(long now) {
        if (last == null) {
            return "";
        }
        return "; the last " + count + " request(s) failed, the last with " + Redaction.describe(last)
                + (nextAttemptNanos - now > 0
                        ? ", next attempt in " + TimeUnit.NANOSECONDS.toMillis(nextAttemptNanos - now) + " ms"
                        : "");
    }
}
