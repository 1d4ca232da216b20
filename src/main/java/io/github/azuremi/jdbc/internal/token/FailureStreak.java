package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.util.concurrent.TimeUnit;

/**
 * The consecutive failed requests of one {@link SharedToken} and the backoff after them: until the next attempt
 * is due, no request is sent. Not thread-safe: the token holds it in a field guarded by its lock and calls it only
 * under that lock (so Error Prone checks every use).
 */
final class FailureStreak {

    private int count;
    private long nextAttemptNanos;
    private Throwable last;

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

    /** Another request failed with {@code failure}; the next may be sent at {@code nextAttemptNanos}. */
    void add(Throwable failure, long nextAttemptNanos) {
        count++;
        this.nextAttemptNanos = nextAttemptNanos;
        this.last = failure;
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
