package io.github.azuremi.jdbc.internal.token;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.Future;
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

    /** Tells the timer that nothing is scheduled any more, so that it may stop its thread. */
    default void idle() {}

    /**
     * The shared daemon timer. Its thread exists only while some pool uses a token: it stops when the last
     * pool closes, so that an undeployed web application does not leave a thread (and its class loader)
     * behind, and starts again with the next pool.
     */
    final class DaemonTimer implements RefreshTimer {
        static final DaemonTimer INSTANCE = new DaemonTimer();
        private final AtomicInteger threads = new AtomicInteger();

        @GuardedBy("this")
        private ScheduledThreadPoolExecutor executor;

        private DaemonTimer() {}

        @Override
        public synchronized Future<?> schedule(Runnable task, long delayNanos) {
            if (executor == null) {
                executor = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "managed-identity-token-refresh-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    t.setContextClassLoader(DaemonTimer.class.getClassLoader());
                    return t;
                });
                executor.setRemoveOnCancelPolicy(true);
                // a schedule() that races idle() restarts the thread: let it end by itself once nothing is queued
                executor.setKeepAliveTime(1, TimeUnit.SECONDS);
                executor.allowCoreThreadTimeOut(true);
            }
            return executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }

        @Override
        public synchronized void idle() {
            if (executor != null && executor.getQueue().isEmpty()) {
                executor.shutdown();
                executor = null;
            }
        }
    }
}
