package io.github.azuremi.jdbc.bench.support;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One stampede: {@code threads} threads, parked at a gate, each open a connection when it opens, and keep it
 * until every thread has one. {@link #fire()} (the timed part) opens the gate and returns when the last
 * thread has its connection; {@link #finish()} lets them close their connections and reports failures.
 */
public final class StampedeRound {

  private final CountDownLatch ready;
  private final CountDownLatch go = new CountDownLatch(1);
  private final CountDownLatch have;
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<Future<?>> tasks = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  public StampedeRound(ExecutorService workers, int threads, Callable<Connection> open) throws InterruptedException {
    ready = new CountDownLatch(threads);
    have = new CountDownLatch(threads);
    for (int i = 0; i < threads; i++) {
      tasks.add(workers.submit(() -> {
        ready.countDown();
        go.await();
        Connection connection;
        try {
          connection = open.call();
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
          have.countDown();
          return null;
        }
        have.countDown();
        release.await();
        connection.close();
        return null;
      }));
    }
    if (!ready.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the stampede threads did not start");
    }
  }

  /** Opens the gate; returns when every thread has a connection (or has failed). */
  public void fire() throws InterruptedException {
    go.countDown();
    have.await();
  }

  /** Lets the threads close their connections; throws the first failure, if any. */
  public void finish() throws Exception {
    go.countDown();
    release.countDown();
    for (Future<?> task : tasks) {
      task.get(60, TimeUnit.SECONDS);
    }
    Throwable t = failure.get();
    if (t != null) {
      throw new IllegalStateException("a stampede thread got no connection: " + t, t);
    }
  }
}
