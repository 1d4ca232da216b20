package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A token fetched ahead of the pool that will use it ({@link TokenRegistry#prefetch}): a lease of its own, held
 * until a pool registers the same key (which claims it), until its hold time ends, or until {@link #close()},
 * whichever comes first. Thread-safe; closing twice does nothing.
 */
public final class Prefetch implements AutoCloseable {

    private final TokenRegistry registry;
    private final TokenKey key;
    private final TokenLease lease;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile Future<?> expiry;

    Prefetch(TokenRegistry registry, TokenKey key, TokenLease lease, Runnable onRelease) {
        this.registry = registry;
        this.key = key;
        this.lease = lease;
        this.onRelease = onRelease;
    }

    void start(Duration hold) {
        lease.prefetch();
        expiry = registry.timer().schedule(this::close, TokenRequest.saturatedNanos(hold));
        if (released.get()) { // claimed or closed before the expiry was scheduled
            TimerTasks.cancel(expiry);
        }
    }

    TokenKey key() {
        return key;
    }

    /** Whether it was claimed, closed or has expired; for tests and diagnostics. */
    public boolean isReleased() {
        return released.get();
    }

    /** Gives up the hold: the token stays only if a pool uses it. */
    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            registry.forget(this);
            TimerTasks.cancel(expiry);
            lease.close();
            onRelease.run();
        }
    }

    @Override
    public String toString() {
        return "Prefetch{" + key + (released.get() ? ", released" : "") + '}';
    }
}
