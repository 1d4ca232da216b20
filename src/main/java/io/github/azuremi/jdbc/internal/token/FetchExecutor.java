package io.github.azuremi.jdbc.internal.token;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Runs the blocking credential calls. One small interface so that tests run them on the calling thread
 * (or hold them until an operation releases them, as the model-checking test does).
 */
@FunctionalInterface
public interface FetchExecutor extends Executor {

    /** The process-wide executor: threads exist only while some pool uses a token. */
    static FetchExecutor daemon() {
        return DaemonFetchExecutor.INSTANCE;
    }

    /**
     * Tells the executor that no token is in use any more (the last pool closed), so that it may stop its
     * threads. {@code stillIdle} is asked again under the executor's own lock: a pool that started in the
     * meantime keeps the threads.
     */
    default void idle(BooleanSupplier stillIdle) {}

    /**
     * Daemon threads, at most 32 (requests are single-flight per identity, so more than a few at once means
     * hung calls), created on demand and all stopped when the last pool closes: an undeployed web
     * application must not leave a thread, whose context class loader would pin it, behind. A request that
     * still hangs at that moment is interrupted; nobody waits for its answer any more.
     */
    final class DaemonFetchExecutor implements FetchExecutor {
        static final DaemonFetchExecutor INSTANCE = new DaemonFetchExecutor();
        private final AtomicInteger threads = new AtomicInteger();

        @GuardedBy("this")
        private ThreadPoolExecutor executor;

        private DaemonFetchExecutor() {}

        @Override
        public synchronized void execute(Runnable task) {
            if (executor == null) {
                executor = new ThreadPoolExecutor(0, 32, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "managed-identity-token-fetch-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    t.setContextClassLoader(DaemonFetchExecutor.class.getClassLoader());
                    return t;
                });
            }
            executor.execute(task);
        }

        @Override
        public synchronized void idle(BooleanSupplier stillIdle) {
            if (executor != null && stillIdle.getAsBoolean()) {
                executor.shutdownNow();
                executor = null;
            }
        }

        /** Whether threads may exist; for tests. */
        synchronized boolean isRunning() {
            return executor != null;
        }
    }
}
