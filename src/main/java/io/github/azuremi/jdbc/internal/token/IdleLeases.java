package io.github.azuremi.jdbc.internal.token;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Leases of surfaces that are never told that their user stopped: the driver plugins (a driver never tells its plugin
 * that a pool closed) and R2DBC connection factories (r2dbc-pool never closes the factory below it, and an application
 * may stop without closing anything). A lease is released after {@code idle} without a use, which stops its
 * background refreshes (and, with the last one, the library's threads); the next use registers a new one and waits for
 * one token request. One mechanism for both surfaces.
 *
 * <p>Thread-safe. {@link #get} and {@link #touch} take no lock (a {@code ConcurrentHashMap} read and a volatile
 * write); one lease per key stays in the map ({@code putIfAbsent}; nothing is called inside the map's lock). A use that
 * races the release of its lease finds it closed ({@code IllegalStateException}) and registers again.
 *
 * @param <K> what a lease is held for (a plugin's identity, scope and timings; one R2DBC factory)
 * @param <A> what a surface keeps with each lease (the plugins: the applications that use it), may be null
 */
public final class IdleLeases<K, A> {

    /** Long enough that pools which open a connection now and then (Hikari's maxLifetime is 30 min) stay warm. */
    public static final Duration IDLE_RELEASE = Duration.ofHours(1);

    /** One held lease, what the surface keeps with it, and when it was last used. */
    public static final class Entry<A> {
        private final TokenLease lease;
        private final A attachment;
        volatile long lastUsed;

        Entry(TokenLease lease, A attachment, long lastUsed) {
            this.lease = lease;
            this.attachment = attachment;
            this.lastUsed = lastUsed;
        }

        public TokenLease lease() {
            return lease;
        }

        public A attachment() {
            return attachment;
        }
    }

    private final RefreshTimer timer;
    private final LongSupplier nanoTime;
    private final long idleNanos;
    private final Consumer<K> onIdleRelease;
    private final Runnable onEmpty;
    private final ConcurrentMap<K, Entry<A>> entries = new ConcurrentHashMap<>();
    /** The idle sweep queued on the timer, or null (touched only on register, sweep and release). */
    @GuardedBy("this")
    private Future<?> sweep;

    /**
     * @param timer         runs the idle sweep
     * @param nanoTime      the clock of the idle sweep
     * @param idle          how long a lease stays without a use
     * @param onIdleRelease told of each lease the sweep released (a log line)
     * @param onEmpty       run by the sweep when it left nothing held (a surface drops what it memoised)
     */
    public IdleLeases(
            RefreshTimer timer, LongSupplier nanoTime, Duration idle, Consumer<K> onIdleRelease, Runnable onEmpty) {
        this.timer = Objects.requireNonNull(timer);
        this.nanoTime = Objects.requireNonNull(nanoTime);
        this.idleNanos = idle.toNanos();
        this.onIdleRelease = Objects.requireNonNull(onIdleRelease);
        this.onEmpty = Objects.requireNonNull(onEmpty);
    }

    /** The entry held for {@code key}, or null. Never waits. */
    public Entry<A> get(K key) {
        return entries.get(key);
    }

    /** Marks {@code entry} as used now. */
    public void touch(Entry<A> entry) {
        entry.lastUsed = nanoTime.getAsLong();
    }

    /**
     * The entry of {@code key}, registered by this call ({@code onNew} then runs) or by a racing one. Nothing is called
     * inside the map's own lock (issue 16, row 9: a log appender that logs in through the plugin re-entered
     * {@code computeIfAbsent}): the lease is registered first, and a call that loses the race closes its spare one (it
     * never fetched anything).
     */
    public Entry<A> register(K key, Supplier<TokenLease> register, A attachment, Runnable onNew) {
        TokenLease lease = register.get();
        ThreadHygiene.poolStarted();
        Entry<A> mine = new Entry<>(lease, attachment, nanoTime.getAsLong());
        Entry<A> winner = entries.putIfAbsent(key, mine);
        if (winner != null) {
            lease.close();
            ThreadHygiene.poolClosed();
            return winner;
        }
        // always, under the lock: a stop that saw the map empty before our put cannot drop the sweep we need (row 5)
        scheduleSweep();
        onNew.run();
        return mine;
    }

    private synchronized void scheduleSweep() {
        if (sweep == null && !entries.isEmpty()) {
            sweep = timer.schedule(this::sweep, Math.max(1, idleNanos / 4));
        }
    }

    /**
     * Nothing held: the queued sweep goes, so that the timer's thread can end (a web application's class loader too).
     * A registration puts its entry before it takes this lock to schedule, so one that races this stop either is
     * seen here or finds no sweep and schedules its own.
     */
    public synchronized void stopSweepIfIdle() {
        if (entries.isEmpty() && sweep != null) {
            sweep.cancel(false);
            sweep = null;
            timer.idle();
        }
    }

    /** Releases the leases not used for the idle time; runs on the timer while any lease is held. */
    public void sweep() {
        long now = nanoTime.getAsLong();
        entries.forEach((key, entry) -> {
            if (now - entry.lastUsed >= idleNanos && release(key, entry)) {
                onIdleRelease.accept(key);
            }
        });
        synchronized (this) {
            sweep = null;
            if (entries.isEmpty()) {
                onEmpty.run();
                timer.idle(); // this task is running, not queued: the timer may stop its thread
            } else {
                scheduleSweep();
            }
        }
    }

    /** Closes {@code entry}'s lease unless another thread removed or replaced it first; true if this one did. */
    public boolean release(K key, Entry<A> entry) {
        if (!entries.remove(key, entry)) {
            return false;
        }
        entry.lease.close();
        ThreadHygiene.poolClosed();
        return true;
    }

    /** Releases the lease of {@code key}, if one is held; true if this call did. */
    public boolean release(K key) {
        Entry<A> entry = entries.get(key);
        boolean released = entry != null && release(key, entry);
        stopSweepIfIdle();
        return released;
    }

    /** Every entry held now, in no order. */
    public void forEach(BiConsumer<K, Entry<A>> action) {
        entries.forEach(action);
    }

    /** How many leases are held; for tests and diagnostics. */
    public int size() {
        return entries.size();
    }

    /** The idle time, in whole seconds (for log lines). */
    public long idleSeconds() {
        return idleNanos / 1_000_000_000L;
    }
}
