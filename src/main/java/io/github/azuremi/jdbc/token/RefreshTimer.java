package io.github.azuremi.jdbc.token;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a task after a delay: the background half of refresh-ahead. One small interface so that tests
 * drive it by hand together with a fake {@link TimeSource}.
 */
@FunctionalInterface
public interface RefreshTimer {

  Future<?> schedule(Runnable task, long delayNanos);

  /** One daemon thread for the whole process: it only starts token requests, it never waits for them. */
  static RefreshTimer daemon() {
    return DaemonTimer.INSTANCE;
  }

  /** The shared daemon timer. */
  final class DaemonTimer implements RefreshTimer {
    static final DaemonTimer INSTANCE = new DaemonTimer();
    private final ScheduledExecutorService executor;

    private DaemonTimer() {
      AtomicInteger n = new AtomicInteger();
      ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "managed-identity-token-refresh-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      stpe.setRemoveOnCancelPolicy(true);
      this.executor = stpe;
    }

    @Override
    public Future<?> schedule(Runnable task, long delayNanos) {
      return executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
  }
}
