package io.github.azuremi.jdbc.internal.compat;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaves no thread behind that would keep a web application's class loader alive after the application
 * stops (Tomcat's "appears to have started a thread ... failed to stop it", a leak on every redeploy):
 *
 * <ul>
 *   <li>(The library's own threads, token fetches and the refresh timer, end with the last pool by
 *       themselves; the fetch timeout runs on that timer, so the JDK's never-ending
 *       {@code CompletableFutureDelayScheduler} is not started on the library's behalf.)</li>
 *   <li>azure-core's shared executor ({@code azure-sdk-global-thread-N}, which azure-identity runs token
 *       requests on) belongs to the azure-core copy in this class loader; when the last pool of this copy of
 *       the library closes, it is reset: its threads end, and azure-core makes a new one if anything asks.</li>
 *   <li>A JDBC driver that the library itself had to register (DriverManager did not see it, as in a web
 *       application) is deregistered again.</li>
 *   <li>The driver plugins' tokens count as pools too: no driver says when its pool closes, so a web application's
 *       stop releases them ({@link PluginReleaseInitializer}); the JDK HTTP client's selector thread, which inherits
 *       the class loader of the thread that built azure-identity's client, ends once the released credential is
 *       collected.</li>
 * </ul>
 */
public final class ThreadHygiene {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadHygiene.class);
    private static final AtomicInteger OPEN_POOLS = new AtomicInteger();

    private ThreadHygiene() {}

    /** A pool has started (call once per pool, paired with {@link #poolClosed()}). */
    public static void poolStarted() {
        OPEN_POOLS.incrementAndGet();
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
}
