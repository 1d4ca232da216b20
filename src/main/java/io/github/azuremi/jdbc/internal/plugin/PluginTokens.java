package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.IdleLeases;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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
    public static final Duration IDLE_RELEASE = IdleLeases.IDLE_RELEASE;

    private static final class Shared {
        static final PluginTokens INSTANCE = new PluginTokens(
                TokenRegistry.shared(),
                RefreshTimer.daemon(),
                System::nanoTime,
                IDLE_RELEASE,
                s -> CredentialFactory.source(s.credential(), s.clientId(), s.tenantId()));
    }

    private final TokenRegistry registry;
    private final Function<PluginSettings, CredentialSource> credentials;
    /** The leases, released after the idle time without a login (the core's mechanism, shared with R2DBC). */
    private final IdleLeases<Key, PluginLeaseUsers> leases;
    /** The key of settings + scope, built once (a credential description and a key per login cost microseconds). */
    private final KeyMemo keys = new KeyMemo();

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
        this.credentials = Objects.requireNonNull(credentials);
        this.leases = new IdleLeases<>(
                timer,
                nanoTime,
                idle,
                key -> LOG.debug(
                        "{}: no login for {} s; token released and its refreshes stopped",
                        key.token,
                        idle.toNanos() / 1_000_000_000L),
                keys::clear);
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
            IdleLeases.Entry<PluginLeaseUsers> entry = leases.get(key);
            if (entry == null) {
                entry = register(key, settings, what);
            }
            entry.attachment().add(user);
            leases.touch(entry);
            try {
                return entry.lease().acquire(timeout);
            } catch (IllegalStateException closed) { // released (idle sweep, an application's stop) since we found it
                leases.release(
                        key, entry); // a no-op if the releaser removed it; never leaves an open lease unreachable
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

    private IdleLeases.Entry<PluginLeaseUsers> register(Key key, PluginSettings settings, String what) {
        return leases.register(
                key, () -> registry.register(key.token, key.settings, null), new PluginLeaseUsers(), () -> {
                    settings.warnings().forEach(w -> LOG.warn("{} - {}", what, w));
                    LOG.info(
                            "{} - login with access tokens from {} for scope {}",
                            what,
                            key.token.credential().description(),
                            key.token.scope());
                });
    }

    /** Releases the leases nobody logged in with for the idle time; runs on the timer while any lease is held. */
    void sweep() {
        leases.sweep();
    }

    /**
     * Releases every lease now (their refreshes stop; the next login registers again), and forgets every credential,
     * so that azure-identity's HTTP client (and its JDK selector thread) can go. For tests, which must not leave
     * refreshes running into the next test, and for {@code DriverPlugins.releaseAll()}.
     */
    public void releaseAll() {
        leases.forEach(leases::release);
        keys.clear();
        leases.stopSweepIfIdle();
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
            int held = leases.size();
            releaseAll();
            return held;
        }
        int[] released = {0};
        leases.forEach((key, entry) -> {
            if (entry.attachment().stopUsing(loader) && leases.release(key, entry)) {
                released[0]++;
            }
        });
        keys.clear(); // a memo: the next login rebuilds its key; the released leases' credentials must not stay
        // reachable
        leases.stopSweepIfIdle();
        return released[0];
    }

    /** How many leases are held; for tests and diagnostics. */
    public int leaseCount() {
        return leases.size();
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
