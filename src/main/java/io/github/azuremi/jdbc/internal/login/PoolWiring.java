package io.github.azuremi.jdbc.internal.login;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.zaxxer.hikari.HikariConfig;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenStatus;
import io.github.azuremi.jdbc.internal.compat.DriverClasses;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.Prefetch;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a data source holds while it runs, and how it gets and gives it back: the token lease, the metrics, its count
 * in {@link ThreadHygiene}. A start can fail after wiring (Hikari could not open the first connection): what that
 * start wired is released, so that a failed start leaves nothing running and the next start uses the settings of
 * then. Thread-safe.
 */
public final class PoolWiring {

    private static final Logger LOG = LoggerFactory.getLogger(PoolWiring.class);

    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    private volatile TokenLease lease;
    private volatile AutoCloseable tokenMetrics; // typed so that no Micrometer class is needed without Micrometer

    @GuardedBy("this")
    private TokenListener metricsListener;
    /** The lease the current thread's start attempt wired, so that a failed start releases only its own. */
    private final ThreadLocal<TokenLease> wiredByThisThread = new ThreadLocal<>();
    /** The pool counted in ThreadHygiene (once, however many start attempts), and counted out (once). */
    private final AtomicBoolean hygieneStarted = new AtomicBoolean();

    private final AtomicBoolean hygieneClosed = new AtomicBoolean();

    /** How long a prefetched token waits for its pool; after that it is dropped if no pool took it. */
    public static final Duration PREFETCH_HOLD = Duration.ofMinutes(2);

    private volatile Prefetch prefetch;

    /** The lease of the running (or last started) pool; null before the first start. */
    public TokenLease lease() {
        return lease;
    }

    /** Whether the pool holds a usable token (and until when), or why not; null before the pool has started. */
    public TokenStatus tokenStatus() {
        TokenLease current = lease;
        if (current == null) {
            return null;
        }
        String reason = current.unavailableReason();
        CachedToken token = current.current();
        return new TokenStatus(reason == null, token == null ? null : token.expiresAt(), reason);
    }

    /** Whether {@code registry} is a Micrometer {@code MeterRegistry}, found by name: Micrometer is optional. */
    public static boolean isMeterRegistry(Object registry) {
        for (Class<?> c = registry.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals("io.micrometer.core.instrument.MeterRegistry")) {
                return true;
            }
        }
        return false;
    }

    /** Told of every token request of the pool's identity and scope. */
    public void addListener(TokenListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /**
     * Registers the pool's token and makes the data source Hikari opens connections with; releases first what a
     * failed earlier start left behind.
     *
     * @param registry      where the token lives; null for the process-wide registry
     * @param meterRegistry a Micrometer {@code MeterRegistry}, or null
     * @throws IllegalArgumentException (logged, with the pool's name) when no driver can be loaded
     */
    public synchronized TokenAuthenticatingDataSource wire(
            HikariConfig pool, LoginPlan plan, PoolIdentity identity, TokenRegistry registry, Object meterRegistry) {
        releaseFailedStart(null);
        String name = pool.getPoolName();
        plan.settings().warnings().forEach(w -> LOG.warn("{} - {}", name, w));
        if (hygieneStarted.compareAndSet(false, true)) {
            // before register, which claims a prefetch: its release must not reset azure-core's executor mid-request
            ThreadHygiene.poolStarted(); // no thread left behind when a web application stops
        }
        CredentialSource credential = identity.source(plan.settings());
        TokenLease newLease = (registry != null ? registry : TokenRegistry.shared())
                .register(plan.tokenKey(credential), plan.settings().timings(), new Fanout());
        TokenAuthenticatingDataSource.Login login;
        try {
            login = login(pool, plan, newLease);
        } catch (RuntimeException e) {
            newLease.close();
            throw StartFailure.fatal(
                    name,
                    "no JDBC driver could be loaded for jdbcUrl (" + PoolLoginCheck.scheme(pool.getJdbcUrl()) + "): "
                            + e.getMessage() + ". Add the driver to the classpath ("
                            + plan.dialect().driverArtifact() + ") or set driverClassName");
        }
        TokenAuthenticatingDataSource dataSource =
                new TokenAuthenticatingDataSource(name, plan.dialect(), plan.username(), newLease, login);
        if (meterRegistry != null) {
            TokenListener metrics =
                    MicrometerTokenMetrics.register(meterRegistry, name, identity.metricTag(), newLease);
            listeners.add(metrics);
            tokenMetrics = (AutoCloseable) metrics;
            metricsListener = metrics;
        }
        this.lease = newLease;
        wiredByThisThread.set(newLease);
        newLease.replayUnheardFetch(); // a prefetched token counts in this pool's metrics and listeners
        newLease.prefetch(); // the first token's request runs while HikariPool starts
        LOG.info(
                "{} - {} login with access tokens from {} for scope {}, {}",
                name,
                plan.dialect().displayName(),
                credential.description(),
                plan.scope(),
                plan.target().transport());
        return dataSource;
    }

    /** The token as the password (PostgreSQL, MySQL), or through mssql-jdbc's access-token callback. */
    private static TokenAuthenticatingDataSource.Login login(HikariConfig pool, LoginPlan plan, TokenLease lease) {
        String jdbcUrl = pool.getJdbcUrl();
        if (plan.dialect().loginWithUsername()) {
            return new PasswordLogin(plan.target(), jdbcUrl, DriverClasses.resolve(jdbcUrl, pool.getDriverClassName()));
        }
        if (!Dialect.isPresent("com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback")) {
            throw new IllegalStateException(
                    "jdbc:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath (it has "
                            + "SQLServerAccessTokenCallback); add the dependency com.microsoft.sqlserver:mssql-jdbc");
        }
        return SqlServerCallbackLogin.create(
                jdbcUrl, plan.target(), lease, Duration.ofMillis(pool.getConnectionTimeout()));
    }

    /** After a failed {@code getConnection}: if it was this thread's start and the pool did not start, nothing of it runs on. */
    public void releaseIfThisThreadsStartFailed(boolean poolStartedOrClosed) {
        TokenLease mine = wiredByThisThread.get();
        if (mine != null && !poolStartedOrClosed) {
            releaseFailedStart(mine);
        }
    }

    /** The end of a {@code getConnection}: a later failure on this thread is no longer that start's. */
    public void forgetThisThread() {
        wiredByThisThread.remove();
    }

    private synchronized void releaseFailedStart(TokenLease only) {
        TokenLease previous = lease;
        if (previous == null || only != null && previous != only) {
            return;
        }
        lease = null;
        previous.close();
        if (metricsListener != null) {
            listeners.remove(metricsListener);
            metricsListener = null;
        }
        closeTokenMetrics();
    }

    /**
     * Starts fetching the token of a configuration that {@link PoolLoginCheck#check} accepts, in the background, and
     * holds it for {@link #PREFETCH_HOLD} or until a pool of the same identity and scope starts and claims it. Does
     * nothing for a configuration that the start will refuse (the start reports it, as it always did), nor when this
     * data source already started or prefetched. Never throws; a failed fetch is logged once at info and forgotten.
     */
    public synchronized void prefetch(
            HikariConfig pool,
            String refusedPassword,
            PoolIdentity identity,
            SettingSource source,
            boolean allowUnverifiedTransport,
            TokenRegistry registry) {
        if (lease != null || prefetch != null) {
            return;
        }
        LoginPlan plan;
        try {
            plan = PoolLoginCheck.checked(pool, refusedPassword, identity, source, allowUnverifiedTransport);
        } catch (RuntimeException refused) {
            return; // the start refuses it, and reports it there, as it always did
        }
        ThreadHygiene.poolStarted(); // its threads end with it, as with a pool
        prefetch = (registry != null ? registry : TokenRegistry.shared())
                .prefetch(
                        plan.tokenKey(identity.source(plan.settings())),
                        plan.settings().timings(),
                        PREFETCH_HOLD,
                        ThreadHygiene::poolClosed);
    }

    /** The pool closed: its token use stops (the last pool of an identity stops its refreshes). */
    public void close() {
        Prefetch ahead = prefetch;
        if (ahead != null) {
            ahead.close();
        }
        TokenLease current = lease;
        if (current != null) {
            current.close();
        }
        if (hygieneStarted.get() && hygieneClosed.compareAndSet(false, true)) {
            ThreadHygiene.poolClosed();
        }
        closeTokenMetrics();
    }

    private void closeTokenMetrics() {
        AutoCloseable metrics = tokenMetrics;
        if (metrics != null) {
            tokenMetrics = null;
            try {
                metrics.close();
            } catch (Exception e) {
                LOG.debug("could not remove the token metrics", e);
            }
        }
    }

    /** Forwards to the listeners added to this pool. */
    private final class Fanout implements TokenListener {
        @Override
        public void onTokenFetched(TokenInfo info) {
            for (TokenListener l : listeners) {
                l.onTokenFetched(info);
            }
        }

        @Override
        public void onTokenFetchFailed(TokenFetchFailure failure) {
            for (TokenListener l : listeners) {
                l.onTokenFetchFailed(failure);
            }
        }
    }
}
