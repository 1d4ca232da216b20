package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Both clocks, moved together by the test. Starts at an arbitrary fixed instant. */
final class FakeTime implements TimeSource {

  private final Instant origin = Instant.parse("2026-11-28T08:00:00Z");
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public Instant instant() {
    return origin.plusNanos(nanos.get() - 1_000_000_000L);
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
