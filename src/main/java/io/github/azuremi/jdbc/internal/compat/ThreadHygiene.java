package io.github.azuremi.jdbc.internal.compat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Leaves no thread behind that would keep a web application's class loader alive after the application
 * stops (Tomcat's "appears to have started a thread ... failed to stop it", a leak on every redeploy):
 *
 * <ul>
 *   <li>The JDK's {@code CompletableFutureDelayScheduler} (behind {@code orTimeout}, which the token fetch
 *       uses) is one thread per JVM that lives forever and keeps the context class loader (and, on Java 17-23,
 *       the access-control context) of the code that happened to start it. It is started here, once, holding
 *       neither.</li>
 *   <li>azure-core's shared executor ({@code azure-sdk-global-thread-N}, which azure-identity runs token
 *       requests on) belongs to the azure-core copy in this class loader; when the last pool of this copy of
 *       the library closes, it is reset: its threads end, and azure-core makes a new one if anything asks.</li>
 *   <li>A JDBC driver that the library itself had to register (DriverManager did not see it, as in a web
 *       application) is deregistered again.</li>
 * </ul>
 */
public final class ThreadHygiene {

  private static final Logger LOG = LoggerFactory.getLogger(ThreadHygiene.class);
  private static final AtomicInteger OPEN_POOLS = new AtomicInteger();
  private static volatile boolean delayerStarted;

  private ThreadHygiene() {}

  /** A pool has started (call once per pool, paired with {@link #poolClosed()}). */
  public static void poolStarted() {
    OPEN_POOLS.incrementAndGet();
    startDelayerWithoutContextClassLoader();
  }

  /** A pool that had started has closed; the last one resets azure-core's shared executor. */
  public static void poolClosed() {
    if (OPEN_POOLS.decrementAndGet() == 0) {
      DriverClasses.deregisterLoaded();
      try {
        com.azure.core.util.SharedExecutorService.getInstance().reset();
      } catch (RuntimeException | LinkageError e) { // an azure-core without it: nothing to stop
        LOG.debug("could not reset azure-core's shared executor", e);
      }
    }
  }

  /**
   * Starts the JDK's delay thread so that it holds nothing of this class loader: no context class loader (it
   * inherits the common pool's), and, on Java 17-23, no access-control context with this library's protection
   * domain (a thread inherits the domains of every frame on the stack that creates it). So the thread is
   * created by a common-pool worker while only JDK frames are on its stack: the delayed action is attached to
   * a future that the pool completes after our supplier has returned.
   */
  private static void startDelayerWithoutContextClassLoader() {
    if (delayerStarted) {
      return;
    }
    synchronized (ThreadHygiene.class) {
      if (delayerStarted) {
        return;
      }
      delayerStarted = true;
      Thread current = Thread.currentThread();
      ClassLoader previous = current.getContextClassLoader();
      current.setContextClassLoader(null);
      try {
        CompletableFuture<Object> gate = new CompletableFuture<>();
        CompletableFuture<Void> delayed = gate.thenRunAsync(() -> { },
            CompletableFuture.delayedExecutor(1, TimeUnit.NANOSECONDS));
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 0) {
          gate.completeAsync(() -> null, java.util.concurrent.ForkJoinPool.commonPool());
        } else {
          gate.complete(null); // no common pool to start it from: at least no context class loader
        }
        delayed.get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("could not start the JDK's delay thread ahead", e);
      } finally {
        current.setContextClassLoader(previous);
      }
    }
  }
}
