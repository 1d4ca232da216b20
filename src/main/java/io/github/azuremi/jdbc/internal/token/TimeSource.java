package io.github.azuremi.jdbc.internal.token;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Instant;

/**
 * The two clocks the token cache needs, behind one interface so that tests can move both together
 * and never sleep: a monotonic nanosecond {@link Ticker} (for Caffeine, timeouts and backoff) and the
 * wall clock (tokens expire at a wall-clock instant, {@code expires_on}).
 */
public interface TimeSource extends Ticker {

    /** The current wall-clock time. */
    Instant instant();

    /**
     * The current wall-clock time in milliseconds: what the hot path compares with a token's refresh point.
     * Tokens expire by the wall clock (the server's), and the monotonic clock stops while the host is
     * suspended (laptop sleep, VM suspend, {@code docker pause}) when the wall clock does not.
     */
    default long wallMillis() {
        return instant().toEpochMilli();
    }

    /** {@link System#nanoTime()} and {@link Instant#now()}. */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }

    /** The system clocks. */
    enum SystemTimeSource implements TimeSource {
        INSTANCE;

        @Override
        public long read() {
            return System.nanoTime();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    }
}
