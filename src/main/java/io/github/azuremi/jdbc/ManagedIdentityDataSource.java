package io.github.azuremi.jdbc;

import com.azure.core.credential.TokenCredential;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.internal.compat.DriverClasses;
import io.github.azuremi.jdbc.internal.compat.HikariCompat;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.Logins;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.db.TokenAuthenticatingDataSource;
import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A HikariCP pool whose connections log in with a Microsoft Entra ID access token instead of a password.
 *
 * <pre>{@code
 * var ds = new ManagedIdentityDataSource();
 * ds.setJdbcUrl("jdbc:postgresql://myserver.postgres.database.azure.com:5432/app");
 * ds.setUsername("my-app");                     // the database role mapped to the identity
 * ds.setManagedIdentityClientId("<client-id>"); // only for a user-assigned identity
 * try (var c = ds.getConnection()) { ... }
 * }</pre>
 *
 * <p>It is a {@link HikariDataSource}: every Hikari setting, MXBean and metrics tracker works as usual. The
 * settings it adds are listed in {@link ManagedIdentityProperties}. Like Hikari, it checks all settings
 * once, when the pool starts (the first {@link #getConnection()}), and then seals them.
 *
 * <p>Tokens come from a process-wide cache shared by all pools of the same identity and scope; they are
 * refreshed in the background ahead of expiry, so opening a physical connection does not wait for the
 * identity endpoint once the first token is in. If the database refuses a cached token, one fresh token is
 * fetched and the login retried once. See README for the timing rules and failure behaviour.
 *
 * <p>Thread-safety: configure from one thread before first use; after that, all methods are thread-safe.
 */
public class ManagedIdentityDataSource extends HikariDataSource {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedIdentityDataSource.class);

    private String credential;
    private String managedIdentityClientId;
    private String tenantId;
    private TokenCredential tokenCredential;
    private String tokenScope;
    private double tokenRefreshRatio = TokenSettings.DEFAULTS.refreshRatio();
    private double tokenRefreshJitter = TokenSettings.DEFAULTS.refreshJitter();
    private long tokenExpiryMargin = TokenSettings.DEFAULTS.expiryMargin().toMillis();
    private long tokenFetchTimeout = TokenSettings.DEFAULTS.fetchTimeout().toMillis();
    private long tokenRetryBackoff = TokenSettings.DEFAULTS.retryBackoff().toMillis();
    private long tokenRetryMaxBackoff = TokenSettings.DEFAULTS.retryMaxBackoff().toMillis();
    private boolean allowUnverifiedTransport;
    private String refusedPassword;
    /** The settings as the last start checked them (validate() sets it before wire() reads it). */
    private IdentitySettings resolved;

    private final List<TokenListener> tokenListeners = new CopyOnWriteArrayList<>();
    private TokenRegistry tokenRegistry;
    private Object meterRegistry;
    private volatile AutoCloseable tokenMetrics; // typed so that this class needs no Micrometer class

    private volatile TokenLease lease;
    private volatile Dialect dialect;

    @GuardedBy("this")
    private TokenListener metricsListener;
    /** The lease the current thread's start attempt wired, so that a failed start releases only its own. */
    private final transient ThreadLocal<TokenLease> wiredByThisThread = new ThreadLocal<>();
    /** This pool counted in ThreadHygiene (once, however many start attempts), and counted out (once). */
    private final java.util.concurrent.atomic.AtomicBoolean hygieneStarted =
            new java.util.concurrent.atomic.AtomicBoolean();

    private final java.util.concurrent.atomic.AtomicBoolean hygieneClosed =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** An unconfigured pool; set at least {@code jdbcUrl} (and {@code username} for PostgreSQL/MySQL). */
    public ManagedIdentityDataSource() {
        super();
    }

    /**
     * A pool configured from properties: HikariCP's keys (with {@code dataSource.*} for driver properties)
     * plus the keys in {@link ManagedIdentityProperties}. An unknown key is an error.
     */
    public ManagedIdentityDataSource(Properties properties) {
        super();
        ManagedIdentityProperties.apply(this, properties);
    }

    // ------------------------------------------------------------------------------------------------------
    // Start-up: validate everything, then wire the token into Hikari's connection path.

    /**
     * Checks every setting (Hikari's and this library's) and prepares the token login. Called by Hikari
     * when the pool starts. Conflicts throw {@link IllegalArgumentException}s that name the setting and the
     * fix; out-of-range numbers are logged at warn and replaced by their defaults, as Hikari does.
     */
    @Override
    public void validate() {
        String name = getPoolName() != null ? getPoolName() : "ManagedIdentityDataSource";
        Target target = validateUrlAndCredentials(name);
        super.validate(); // Hikari's own checks; names the pool if unnamed
        name = getPoolName();
        TokenSettings timings = validateTimings(name);
        wire(name, target, timings);
    }

    private Target validateUrlAndCredentials(String pool) {
        if (getDataSource() != null && !(getDataSource() instanceof TokenAuthenticatingDataSource)
                || getDataSourceClassName() != null
                || getDataSourceJNDI() != null) {
            throw fatal(
                    pool,
                    "dataSource, dataSourceClassName and dataSourceJNDI cannot be used: "
                            + "ManagedIdentityDataSource opens connections from jdbcUrl itself. Remove them and set jdbcUrl");
        }
        if (HikariCompat.credentialsProviderSet(this)) { // HikariCP 7 only; Boot 3.5 brings 6.3
            throw fatal(
                    pool,
                    "credentialsProvider cannot be used: ManagedIdentityDataSource supplies the credentials "
                            + "(the access token). Remove credentialsProvider");
        }
        String jdbcUrl = getJdbcUrl();
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw fatal(
                    pool,
                    "jdbcUrl is required, for example "
                            + "jdbc:postgresql://<server>.postgres.database.azure.com:5432/<database>, "
                            + "jdbc:mysql://<server>.mysql.database.azure.com:3306/<database> or "
                            + "jdbc:sqlserver://<server>.database.windows.net:1433;databaseName=<database>");
        }
        Dialect dialect = Dialect.forJdbcUrl(jdbcUrl);
        if (dialect == null) {
            throw fatal(
                    pool,
                    "jdbcUrl must start with jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver: (Azure Database "
                            + "for PostgreSQL or MySQL, or Azure SQL Database), but starts with " + scheme(jdbcUrl));
        }
        if (refusedPassword != null && !refusedPassword.isEmpty()) {
            throw fatal(
                    pool,
                    "password must not be set: the password of each connection is the access token that "
                            + "ManagedIdentityDataSource fetches for the identity. Remove the password setting");
        }
        if (getDriverClassName() != null
                && !getDriverClassName().equals(dialect.driverClassName())
                && !allowUnverifiedTransport) {
            throw fatal(
                    pool,
                    "driverClassName " + getDriverClassName() + " is not " + dialect.driverClassName() + ": the "
                            + "library reads jdbcUrl as " + dialect.driverClassName()
                            + " does to decide where the token may go, and "
                            + "cannot vouch for another driver. Remove driverClassName (or, only if you accept that, set "
                            + "allowUnverifiedTransport=true)");
        }
        String credentialsProblem = dialect.checkCredentials(jdbcUrl, getDataSourceProperties(), getUsername());
        if (credentialsProblem != null) {
            throw fatal(pool, credentialsProblem);
        }
        Target target;
        try {
            target = dialect.target(jdbcUrl, getDataSourceProperties(), allowUnverifiedTransport);
        } catch (IllegalArgumentException e) {
            throw fatal(pool, e.getMessage());
        }
        if (tokenCredential != null && (credential != null || managedIdentityClientId != null || tenantId != null)) {
            throw fatal(
                    pool,
                    "tokenCredential is set, so credential, managedIdentityClientId and tenantId would be "
                            + "ignored; remove them (configure the TokenCredential you pass instead)");
        }
        List<String> problems = new java.util.ArrayList<>();
        IdentitySettings checked = IdentitySettings.check(SettingSource.of(this), problems);
        if (checked == null) {
            throw fatal(pool, String.join("; ", problems));
        }
        if (checked.scope() != null) {
            String problem = dialect.checkScope(checked.scope());
            if (problem != null) {
                throw fatal(pool, problem + ". Leave tokenScope unset to derive it from jdbcUrl");
            }
        }
        resolved = checked;
        return target;
    }

    /** Out-of-range timings warn and fall back to their defaults (TokenSettings decides which and why). */
    private TokenSettings validateTimings(String pool) {
        resolved.warnings().forEach(w -> LOG.warn("{} - {}", pool, w));
        TokenSettings checked = resolved.timings();
        tokenRefreshRatio = checked.refreshRatio();
        tokenRefreshJitter = checked.refreshJitter();
        tokenExpiryMargin = checked.expiryMargin().toMillis();
        tokenFetchTimeout = checked.fetchTimeout().toMillis();
        tokenRetryBackoff = checked.retryBackoff().toMillis();
        tokenRetryMaxBackoff = checked.retryMaxBackoff().toMillis();
        return checked;
    }

    /**
     * Wires the token login into Hikari. A start that failed after wiring (Hikari could not open the first
     * connection) left a lease and metrics behind: they are released, and this start uses the current settings.
     */
    private synchronized void wire(String pool, Target target, TokenSettings settings) {
        releaseFailedStart(null);
        Dialect dialect = target.dialect();
        IdentitySettings identity = resolved;
        String scope = identity.scope() != null ? identity.scope() : dialect.defaultScope(target.firstHost());
        TokenKey key = new TokenKey(credentialSource(identity), scope, identity.tenantId());

        TokenLease newLease = (tokenRegistry != null ? tokenRegistry : TokenRegistry.shared())
                .register(key, settings, new ListenerFanout());
        TokenAuthenticatingDataSource.Login login;
        try {
            login = dialect.loginWithUsername()
                    ? Logins.asPassword(target, getJdbcUrl(), DriverClasses.resolve(getJdbcUrl(), getDriverClassName()))
                    : Logins.throughSqlServerCallback(
                            getJdbcUrl(), target, newLease, Duration.ofMillis(getConnectionTimeout()));
        } catch (RuntimeException e) {
            newLease.close();
            throw fatal(
                    pool,
                    "no JDBC driver could be loaded for jdbcUrl (" + scheme(getJdbcUrl()) + "): " + e.getMessage()
                            + ". Add the driver to the classpath (" + dialect.driverArtifact()
                            + ") or set driverClassName");
        }
        setDataSource(new TokenAuthenticatingDataSource(
                pool, dialect, dialect.loginWithUsername() ? getUsername() : null, newLease, login));
        if (meterRegistry != null) {
            TokenListener metrics = MicrometerTokenMetrics.register(meterRegistry, pool, identityTag(), newLease);
            tokenListeners.add(metrics);
            tokenMetrics = (AutoCloseable) metrics;
            metricsListener = metrics;
        }
        this.dialect = dialect;
        this.lease = newLease;
        wiredByThisThread.set(newLease);
        if (hygieneStarted.compareAndSet(false, true)) {
            ThreadHygiene.poolStarted(); // no thread left behind when a web application stops
        }
        LOG.info(
                "{} - {} login with access tokens from {} for scope {}, {}",
                pool,
                dialect.displayName(),
                key.credential().description(),
                scope,
                target.transport());
    }

    private synchronized void releaseFailedStart(TokenLease only) {
        TokenLease previous = lease;
        if (previous == null || only != null && previous != only) {
            return;
        }
        lease = null;
        previous.close();
        if (metricsListener != null) {
            tokenListeners.remove(metricsListener);
            metricsListener = null;
        }
        closeTokenMetrics();
    }

    /** The identity as a metric tag: the client id, or the credential type; never a secret. */
    private String identityTag() {
        if (tokenCredential != null) {
            return "custom:" + tokenCredential.getClass().getSimpleName();
        }
        if (managedIdentityClientId != null) {
            return managedIdentityClientId.trim();
        }
        return getCredential() + (tenantId == null ? "" : "@" + tenantId.trim());
    }

    private CredentialSource credentialSource(IdentitySettings identity) {
        if (tokenCredential != null) {
            return CredentialSource.of(tokenCredential);
        }
        return CredentialFactory.source(identity.credential(), identity.clientId(), identity.tenantId());
    }

    private static IllegalArgumentException fatal(String pool, String message) {
        LOG.error("{} - {}", pool, message);
        return new IllegalArgumentException(pool + " - " + message);
    }

    /** The part of a URL before its host: safe to print (a URL may carry secrets later on). */
    private static String scheme(String jdbcUrl) {
        int slashes = jdbcUrl.indexOf("//");
        String head = slashes < 0 ? jdbcUrl : jdbcUrl.substring(0, slashes);
        return head.length() > 40 ? head.substring(0, 40) : head;
    }

    // ------------------------------------------------------------------------------------------------------
    // Connections and lifecycle

    /**
     * A connection from the pool. When none can be had within {@code connectionTimeout}, the exception's
     * message also says why the last attempt to open one failed (for example, that no token could be
     * fetched, naming the credential, the scope and the cause).
     */
    @Override
    public Connection getConnection() throws SQLException {
        try {
            return super.getConnection();
        } catch (RuntimeException | SQLException e) {
            TokenLease mine = wiredByThisThread.get();
            if (mine != null && !isRunning() && !isClosed()) {
                releaseFailedStart(mine); // the pool did not start: nothing of this attempt keeps running
            }
            if (!(e instanceof SQLTransientConnectionException transientFailure)) {
                throw e;
            }
            throw explained(transientFailure);
        } finally {
            wiredByThisThread.remove();
        }
    }

    private SQLException explained(SQLTransientConnectionException e) {
        String why = explainTimeout(e);
        if (why == null) {
            return e;
        }
        SQLTransientConnectionException explained = new SQLTransientConnectionException(
                e.getMessage() + "; " + why,
                e.getSQLState(),
                e.getErrorCode(),
                e.getCause() != null ? e.getCause() : e);
        explained.setStackTrace(e.getStackTrace());
        return explained;
    }

    /**
     * What Hikari's "Connection is not available" does not say: the last connection failure and, when the
     * token is the reason, the state of the token (Hikari may time the caller out before the connection
     * attempt that waits for a token has failed, and then it has no failure to quote).
     */
    private String explainTimeout(SQLTransientConnectionException e) {
        StringBuilder why = new StringBuilder();
        Throwable cause = e.getCause();
        if (cause != null
                && cause.getMessage() != null
                && e.getMessage() != null
                && !e.getMessage().contains(cause.getMessage())) {
            why.append("last connection failure: ").append(cause.getMessage());
        }
        TokenLease current = lease;
        String tokenState = current == null ? null : current.unavailableReason();
        if (tokenState != null
                && (cause == null || !String.valueOf(cause.getMessage()).contains("access token"))) {
            why.append(why.length() == 0 ? "" : "; ").append(tokenState);
        }
        return why.length() == 0 ? null : why.toString();
    }

    /** Closes the pool and stops using the shared token (the last pool of an identity stops its refreshes). */
    @Override
    public void close() {
        try {
            super.close();
        } finally {
            TokenLease current = lease;
            if (current != null) {
                current.close();
            }
            if (hygieneStarted.get() && hygieneClosed.compareAndSet(false, true)) {
                ThreadHygiene.poolClosed();
            }
            closeTokenMetrics();
        }
    }

    private void closeTokenMetrics() {
        AutoCloseable metrics = tokenMetrics;
        if (metrics != null) {
            tokenMetrics = null;
            try {
                metrics.close();
            } catch (Exception e) {
                LOG.debug("{} - could not remove the token metrics", getPoolName(), e);
            }
        }
    }

    /** The database dialect in use, once the pool has started; null before. */
    Dialect getDialect() {
        return dialect;
    }

    /**
     * The identity and scope of the shared token (for example {@code managed identity (system-assigned),
     * scope https://ossrdbms-aad.database.windows.net/.default}), once the pool has started; null before.
     * Pools with equal descriptions share one token. Never contains a secret.
     */
    public String getTokenDescription() {
        TokenLease current = lease;
        return current == null ? null : current.key().toString();
    }

    /**
     * Whether the pool holds a usable token (and until when), or why not; null before the pool has started.
     * For health checks (the Spring Boot health indicator uses it); never contains the token.
     */
    public TokenStatus getTokenStatus() {
        TokenLease current = lease;
        if (current == null) {
            return null;
        }
        String reason = current.unavailableReason();
        var token = current.current();
        return new TokenStatus(reason == null, token == null ? null : token.expiresAt(), reason);
    }

    /** The scope tokens are requested for, once the pool has started; null before. */
    public String getEffectiveTokenScope() {
        TokenLease current = lease;
        return current == null ? null : current.key().scope();
    }

    /**
     * Adds a listener told of every token request of this pool's identity and scope (shared with other
     * pools of the same identity). Must be called before the pool starts.
     */
    public void addTokenListener(TokenListener listener) {
        checkNotStarted();
        tokenListeners.add(java.util.Objects.requireNonNull(listener));
    }

    /**
     * Reports to a Micrometer {@code MeterRegistry}: this library's token metrics (names in README) and
     * HikariCP's pool metrics, in one call. Typed {@code Object}, as HikariCP's own {@code setMetricRegistry},
     * so that Micrometer stays optional: without it on the classpath nothing else changes.
     *
     * @param meterRegistry an {@code io.micrometer.core.instrument.MeterRegistry}
     */
    public void setMeterRegistry(Object meterRegistry) {
        checkNotStarted();
        if (meterRegistry != null && !isMicrometerRegistry(meterRegistry)) {
            throw new IllegalArgumentException(
                    "meterRegistry must be an io.micrometer.core.instrument.MeterRegistry, was "
                            + meterRegistry.getClass().getName());
        }
        this.meterRegistry = meterRegistry;
        setMetricRegistry(meterRegistry); // HikariCP's pool metrics into the same registry
    }

    public Object getMeterRegistry() {
        return meterRegistry;
    }

    private static boolean isMicrometerRegistry(Object registry) {
        for (Class<?> c = registry.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals("io.micrometer.core.instrument.MeterRegistry")) {
                return true;
            }
        }
        return false;
    }

    /** Uses a token registry other than the process-wide one: for tests and benchmarks. */
    void setTokenRegistry(TokenRegistry registry) {
        checkNotStarted();
        this.tokenRegistry = registry;
    }

    private void checkNotStarted() {
        if (lease != null && (isRunning() || isClosed())) {
            throw new IllegalStateException("The configuration of the pool is sealed once started.");
        }
    }

    /** Forwards to the listeners added to this pool. */
    private final class ListenerFanout implements TokenListener {
        @Override
        public void onTokenFetched(TokenInfo info) {
            for (TokenListener l : tokenListeners) {
                l.onTokenFetched(info);
            }
        }

        @Override
        public void onTokenFetchFailed(TokenFetchFailure failure) {
            for (TokenListener l : tokenListeners) {
                l.onTokenFetchFailed(failure);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Settings

    /**
     * Refused: the password of every connection is the access token. Kept only so that the error at start
     * can say so (and so that Spring/JNDI binding of an empty password does no harm).
     */
    @Override
    public void setPassword(String password) {
        checkNotStarted();
        this.refusedPassword = password;
    }

    /** Always null: the password is the token, which is never exposed. */
    @Override
    public String getPassword() {
        return null;
    }

    public String getCredential() {
        return credential == null ? CredentialType.DEFAULT.settingValue() : credential;
    }

    /** {@code default} (the default), {@code managed-identity}, {@code workload-identity}, {@code azure-cli} or {@code environment}. */
    public void setCredential(String credential) {
        checkNotStarted();
        this.credential = blankToNull(credential);
    }

    public void setCredential(CredentialType type) {
        setCredential(type == null ? null : type.settingValue());
    }

    public String getManagedIdentityClientId() {
        return managedIdentityClientId;
    }

    /** The client id of a user-assigned managed identity; unset for the system-assigned one. */
    public void setManagedIdentityClientId(String managedIdentityClientId) {
        checkNotStarted();
        this.managedIdentityClientId = managedIdentityClientId; // empty is refused by validate(), not read as "none"
    }

    public String getTenantId() {
        return tenantId;
    }

    public void setTenantId(String tenantId) {
        checkNotStarted();
        this.tenantId = tenantId; // empty is refused by validate(), not read as "none"
    }

    public TokenCredential getTokenCredential() {
        return tokenCredential;
    }

    /** Any azure-core credential; replaces {@code credential}, {@code managedIdentityClientId} and {@code tenantId}. */
    public void setTokenCredential(TokenCredential tokenCredential) {
        checkNotStarted();
        this.tokenCredential = tokenCredential;
    }

    public String getTokenScope() {
        return tokenScope;
    }

    /** The token scope; by default derived from the JDBC URL's host (and its cloud). */
    public void setTokenScope(String tokenScope) {
        checkNotStarted();
        this.tokenScope = blankToNull(tokenScope);
    }

    public double getTokenRefreshRatio() {
        return tokenRefreshRatio;
    }

    public void setTokenRefreshRatio(double tokenRefreshRatio) {
        checkNotStarted();
        this.tokenRefreshRatio = tokenRefreshRatio;
    }

    public double getTokenRefreshJitter() {
        return tokenRefreshJitter;
    }

    public void setTokenRefreshJitter(double tokenRefreshJitter) {
        checkNotStarted();
        this.tokenRefreshJitter = tokenRefreshJitter;
    }

    public long getTokenExpiryMargin() {
        return tokenExpiryMargin;
    }

    public void setTokenExpiryMargin(long tokenExpiryMarginMs) {
        checkNotStarted();
        this.tokenExpiryMargin = tokenExpiryMarginMs;
    }

    public long getTokenFetchTimeout() {
        return tokenFetchTimeout;
    }

    public void setTokenFetchTimeout(long tokenFetchTimeoutMs) {
        checkNotStarted();
        this.tokenFetchTimeout = tokenFetchTimeoutMs;
    }

    public long getTokenRetryBackoff() {
        return tokenRetryBackoff;
    }

    public void setTokenRetryBackoff(long tokenRetryBackoffMs) {
        checkNotStarted();
        this.tokenRetryBackoff = tokenRetryBackoffMs;
    }

    public long getTokenRetryMaxBackoff() {
        return tokenRetryMaxBackoff;
    }

    public void setTokenRetryMaxBackoff(long tokenRetryMaxBackoffMs) {
        checkNotStarted();
        this.tokenRetryMaxBackoff = tokenRetryMaxBackoffMs;
    }

    public boolean isAllowUnverifiedTransport() {
        return allowUnverifiedTransport;
    }

    /**
     * The one opt-in that weakens transport security (default false): allows sending the token to a non-loopback
     * server over a connection that may not be encrypted, or that is encrypted without verifying the server
     * (PostgreSQL sslmode other than verify-full or a non-validating sslfactory; MySQL sslMode other than
     * VERIFY_IDENTITY; SQL Server encrypt=false/optional or trustServerCertificate=true), and a driverClassName
     * other than the database's own driver.
     */
    public void setAllowUnverifiedTransport(boolean allowUnverifiedTransport) {
        checkNotStarted();
        this.allowUnverifiedTransport = allowUnverifiedTransport;
    }

    /** @deprecated the former name of {@link #isAllowUnverifiedTransport()}; goes in the next release. */
    @Deprecated
    public boolean isAllowTokenWithoutTls() {
        return isAllowUnverifiedTransport();
    }

    /**
     * @deprecated the former name of {@link #setAllowUnverifiedTransport(boolean)}, which also covers TLS that does
     *     not verify the server; goes in the next release.
     */
    @Deprecated
    public void setAllowTokenWithoutTls(boolean allowTokenWithoutTls) {
        setAllowUnverifiedTransport(allowTokenWithoutTls);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "ManagedIdentityDataSource (" + getPoolName() + ")";
    }
}
