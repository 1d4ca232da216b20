package io.github.azuremi.jdbc.internal.plugin;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver plugins' use of the process-wide token registry: one {@link TokenLease} per identity, scope and
 * settings, shared by every connection any driver opens with them, and by every {@code ManagedIdentityDataSource}
 * of the same identity and scope (they register the same {@link TokenKey} in the same {@link TokenRegistry}).
 *
 * <p>A driver never tells its plugin that a pool closed, so a lease is not closed by its users: it is released
 * after {@link #IDLE_RELEASE} without a login, which stops its background refreshes (and, with the last one, the
 * library's threads), or when the application that used it stops ({@link #release(ClassLoader)}, which the
 * library's servlet container initializer calls for a web application). The next login registers again and waits
 * for one token request.
 *
 * <p>Thread-safe. {@link #acquire} takes no lock of its own on the hot path (two {@code ConcurrentHashMap} reads
 * and a volatile write); one lease per key stays in the map ({@code putIfAbsent}; nothing is called inside the
 * map's lock). A login that races the release of its lease registers a new one.
 */
public final class PluginTokens {

    private static final Logger LOG = LoggerFactory.getLogger(PluginTokens.class);
    /** How often a login tries again when its lease is released under it (an application stopping) before failing. */
    static final int MAX_ATTEMPTS = 3;
    /** Long enough that pools which open a connection now and then (Hikari's maxLifetime is 30 min) stay warm. */
    public static final Duration IDLE_RELEASE = Duration.ofHours(1);

    private static final class Shared {
        static final PluginTokens INSTANCE = new PluginTokens(
                TokenRegistry.shared(),
                RefreshTimer.daemon(),
                System::nanoTime,
                IDLE_RELEASE,
                s -> CredentialFactory.source(s.credential(), s.clientId(), s.tenantId()));
    }

    private final TokenRegistry registry;
    private final RefreshTimer timer;
    private final LongSupplier nanoTime;
    private final long idleNanos;
    private final Function<PluginSettings, CredentialSource> credentials;
    private final ConcurrentMap<Key, Entry> entries = new ConcurrentHashMap<>();
    /** The key of settings + scope, built once (a credential description and a key per login cost microseconds). */
    private final KeyMemo keys = new KeyMemo();
    /** The idle sweep queued on the timer, or null (touched only on register, sweep and release). */
    @GuardedBy("this")
    private Future<?> sweep;

    /**
     * @param registry where tokens live
     * @param timer    runs the idle sweep
     * @param nanoTime the clock of the idle sweep
     * @param idle        how long a lease stays without a login
     * @param credentials the credential that settings name (azure-identity's, built on first use)
     */
    public PluginTokens(
            TokenRegistry registry,
            RefreshTimer timer,
            LongSupplier nanoTime,
            Duration idle,
            Function<PluginSettings, CredentialSource> credentials) {
        this.registry = Objects.requireNonNull(registry);
        this.timer = Objects.requireNonNull(timer);
        this.nanoTime = Objects.requireNonNull(nanoTime);
        this.idleNanos = idle.toNanos();
        this.credentials = Objects.requireNonNull(credentials);
    }

    /** The instance the drivers' plugins use. */
    public static PluginTokens shared() {
        return Shared.INSTANCE;
    }

    /**
     * A token for {@code settings}' identity and {@code scope}, usable now; waits for the single request in flight
     * at most {@code timeout} (the first token of a lease: up to the fetch timeout). The lease is marked as used by
     * the calling thread's context class loader, so that {@link #release(ClassLoader)} at that application's stop
     * releases it (unless that loader is the container's: the library's own, a parent of it, or none; see
     * {@link PluginLeaseUsers}).
     *
     * @param what how the plugin describes itself in the one log line per new lease ("pgjdbc plugin")
     * @throws io.github.azuremi.jdbc.TokenUnavailableException when no token can be had in time
     */
    public CachedToken acquire(PluginSettings settings, String scope, Duration timeout, String what) {
        Key key = keys.get(settings, scope);
        if (key == null) {
            key = new Key(new TokenKey(credentials.apply(settings), scope, settings.tenantId()), settings.timings());
            keys.put(settings, scope, key);
        }
        Object user = PluginLeaseUsers.current();
        for (int attempt = 1; ; attempt++) {
            Entry entry = entries.get(key);
            if (entry == null) {
                entry = register(key, settings, what);
            }
            entry.users.add(user);
            entry.lastUsed = nanoTime.getAsLong();
            try {
                return entry.lease.acquire(timeout);
            } catch (IllegalStateException closed) { // released (idle sweep, an application's stop) since we found it
                release(key, entry); // a no-op if the releaser removed it; never leaves an open lease unreachable
                if (attempt == MAX_ATTEMPTS) {
                    throw new TokenUnavailableException(
                            "Could not get an access token from " + key.token.credential()
                                    + " for scope " + scope
                                    + ": the driver plugins' tokens were released while this login was using them, "
                                    + attempt
                                    + " times in a row (the application is stopping, or calls DriverPlugins.release in a loop)",
                            closed);
                }
            }
        }
    }

    /**
     * The entry of {@code key}, registered by this call or by a racing one. Nothing is called inside the map's own
     * lock (issue 16, row 9: a log appender that logs in through the plugin re-entered {@code computeIfAbsent}): the
     * lease is registered first, and a call that loses the race closes its spare one (it never fetched anything).
     */
    private Entry register(Key key, PluginSettings settings, String what) {
        TokenLease lease = registry.register(key.token, key.settings, null);
        ThreadHygiene.poolStarted();
        Entry mine = new Entry(lease, nanoTime.getAsLong());
        Entry winner = entries.putIfAbsent(key, mine);
        if (winner != null) {
            lease.close();
            ThreadHygiene.poolClosed();
            return winner;
        }
        // always, under the lock: a stop that saw the map empty before our put cannot drop the sweep we need (row 5)
        scheduleSweep();
        settings.warnings().forEach(w -> LOG.warn("{} - {}", what, w));
        LOG.info(
                "{} - login with access tokens from {} for scope {}",
                what,
                key.token.credential().description(),
                key.token.scope());
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
    private synchronized void stopSweepIfIdle() {
        if (entries.isEmpty() && sweep != null) {
            sweep.cancel(false);
            sweep = null;
            timer.idle();
        }
    }

    /** Releases the leases nobody logged in with for the idle time; runs on the timer while any lease is held. */
    void sweep() {
        long now = nanoTime.getAsLong();
        entries.forEach((key, entry) -> {
            if (now - entry.lastUsed >= idleNanos && release(key, entry)) {
                LOG.debug(
                        "{}: no login for {} s; token released and its refreshes stopped",
                        key.token,
                        idleNanos / 1_000_000_000L);
            }
        });
        synchronized (this) {
            sweep = null;
            if (entries.isEmpty()) {
                keys.clear();
                timer.idle(); // this task is running, not queued: the timer may stop its thread
            } else {
                scheduleSweep();
            }
        }
    }

    /**
     * Releases every lease now (their refreshes stop; the next login registers again), and forgets every credential,
     * so that azure-identity's HTTP client (and its JDK selector thread) can go. For tests, which must not leave
     * refreshes running into the next test, and for {@code DriverPlugins.releaseAll()}.
     */
    public void releaseAll() {
        entries.forEach(this::release);
        keys.clear();
        stopSweepIfIdle();
    }

    /**
     * Releases the leases that threads with {@code loader} as their context class loader logged in with and no other
     * application uses; all of them when this copy of the library was loaded by {@code loader} itself (its jar is in
     * that application). Called when that application stops.
     *
     * @param loader the application's loader; null (a thread without one) is no application: nothing is released
     * @return how many leases were released
     */
    public int release(ClassLoader loader) {
        if (PluginLeaseUsers.owns(loader, PluginTokens.class)) {
            int held = entries.size();
            releaseAll();
            return held;
        }
        int released = 0;
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getValue().users.stopUsing(loader) && release(e.getKey(), e.getValue())) {
                released++;
            }
        }
        keys.clear(); // a memo: the next login rebuilds its key; the released leases' credentials must not stay
        // reachable
        stopSweepIfIdle();
        return released;
    }

    /** Closes {@code entry}'s lease unless another thread removed or replaced it first; true if this one did. */
    private boolean release(Key key, Entry entry) {
        if (!entries.remove(key, entry)) {
            return false;
        }
        entry.lease.close();
        ThreadHygiene.poolClosed();
        return true;
    }

    /** How many leases are held; for tests and diagnostics. */
    public int leaseCount() {
        return entries.size();
    }

    private static final class Entry {
        final TokenLease lease;
        final PluginLeaseUsers users = new PluginLeaseUsers();
        volatile long lastUsed;

        Entry(TokenLease lease, long lastUsed) {
            this.lease = lease;
            this.lastUsed = lastUsed;
        }
    }

    /** Identity + scope + timings (equals written out: see TokenSettings on JDK 17's record cache). */
    private static final class Key {
        final TokenKey token;
        final TokenSettings settings;

        Key(TokenKey token, TokenSettings settings) {
            this.token = token;
            this.settings = settings;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && token.equals(other.token) && settings.equals(other.settings);
        }

        @Override
        public int hashCode() {
            return 31 * token.hashCode() + settings.hashCode();
        }
    }

    /** Settings + scope -> key, bounded (settings are few; a bound, not an eviction policy). */
    private static final class KeyMemo {
        private final ConcurrentMap<PluginSettings, ConcurrentMap<String, Key>> bySettings = new ConcurrentHashMap<>();

        Key get(PluginSettings settings, String scope) {
            ConcurrentMap<String, Key> byScope = bySettings.get(settings);
            return byScope == null ? null : byScope.get(scope);
        }

        void put(PluginSettings settings, String scope, Key key) {
            if (bySettings.size() >= 256) {
                bySettings.clear();
            }
            bySettings.computeIfAbsent(settings, s -> new ConcurrentHashMap<>()).put(scope, key);
        }

        /** Drops every key, and so every reference to a credential (a key holds its credential). */
        void clear() {
            bySettings.clear();
        }
    }
}
