package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Both clocks, moved together by the test. Starts at an arbitrary fixed instant. The wall clock alone can be
 * stepped too, to play a host that was suspended (the monotonic clock stopped, the wall clock did not) or an
 * NTP correction.
 */
public final class FakeTime implements TimeSource {

    private final Instant origin = Instant.parse("2026-11-28T08:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong wallOffsetNanos = new AtomicLong();

    @Override
    public long read() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(nanos.get() - 1_000_000_000L + wallOffsetNanos.get());
    }

    /** Moves both clocks. */
    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** Moves the wall clock only (negative: back); the monotonic ticker stays where it is. */
    public void stepWallClock(Duration d) {
        wallOffsetNanos.addAndGet(d.toNanos());
    }
}
