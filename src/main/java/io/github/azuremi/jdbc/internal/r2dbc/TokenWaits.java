package io.github.azuremi.jdbc.internal.r2dbc;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The library's own threads on which a reactive login waits for a token that is not held yet (the first one, or the
 * replacement of a refused one). {@code TokenLease.acquire} blocks, and no Reactor, Netty or r2dbc-pool thread may:
 * it runs only here.
 *
 * <p>Waits are coalesced per lease ({@link ReactiveTokenSource}), so there are about as many threads as identities
 * waiting at once. Threads are daemons, made on demand and gone after {@link #KEEP_ALIVE_SECONDS} without work: a
 * stopped web application's class loader is not pinned by one (their context class loader is the library's).
 */
final class TokenWaits {

    static final int KEEP_ALIVE_SECONDS = 10;
    /** Far above the identities one process uses; beyond it a wait fails rather than queues behind hung ones. */
    static final int MAX_THREADS = 64;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final Executor SHARED = new ThreadPoolExecutor(
            0, MAX_THREADS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "managed-identity-r2dbc-token-wait-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                t.setContextClassLoader(TokenWaits.class.getClassLoader());
                return t;
            });

    private TokenWaits() {}

    static Executor shared() {
        return SHARED;
    }
}
