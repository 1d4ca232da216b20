package io.github.azuremi.jdbc;

import com.azure.core.credential.TokenCredential;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.login.PoolIdentity;
import io.github.azuremi.jdbc.internal.login.PoolLoginCheck;
import io.github.azuremi.jdbc.internal.login.PoolWiring;
import io.github.azuremi.jdbc.internal.login.TimeoutExplanation;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Properties;

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
    private TokenRegistry tokenRegistry;
    private Object meterRegistry;

    /** The lease, metrics and thread accounting of the running pool (see the internal login core). */
    private final PoolWiring wiring = new PoolWiring();

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
        if (getHikariPoolMXBean() != null || isClosed()) {
            // wiring now would close the running pool's token lease (or register one that nothing releases)
            throw new IllegalStateException("The configuration of the pool is sealed once started.");
        }
        PoolIdentity identity = new PoolIdentity(tokenCredential, credential, managedIdentityClientId, tenantId);
        LoginPlan plan =
                PoolLoginCheck.check(this, refusedPassword, identity, SettingSource.of(this), allowUnverifiedTransport);
        super.validate(); // Hikari's own checks; names the pool if unnamed
        TokenSettings checked = plan.settings().timings(); // out-of-range values replaced by defaults, and logged
        tokenRefreshRatio = checked.refreshRatio();
        tokenRefreshJitter = checked.refreshJitter();
        tokenExpiryMargin = checked.expiryMargin().toMillis();
        tokenFetchTimeout = checked.fetchTimeout().toMillis();
        tokenRetryBackoff = checked.retryBackoff().toMillis();
        tokenRetryMaxBackoff = checked.retryMaxBackoff().toMillis();
        setDataSource(wiring.wire(this, plan, identity, tokenRegistry, meterRegistry));
    }

    /**
     * Starts fetching the first token now, in the background, when the configuration is complete and valid: call
     * it once configured, when the first {@link #getConnection()} comes later (the Spring Boot auto-configuration
     * and the JNDI factory call it for you). The pool that starts later takes that token, or joins its request.
     * Changes nothing else: a configuration the start refuses is refused there, with the same message, and a fetch
     * that fails here is logged once at info and asked again by the pool. A token nobody takes is dropped after two
     * minutes, or when this data source is closed.
     */
    public void prefetchToken() {
        wiring.prefetch(
                this,
                refusedPassword,
                new PoolIdentity(tokenCredential, credential, managedIdentityClientId, tenantId),
                SettingSource.of(this),
                allowUnverifiedTransport,
                tokenRegistry);
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
            wiring.releaseIfThisThreadsStartFailed(isRunning() || isClosed());
            if (!(e instanceof SQLTransientConnectionException transientFailure)) {
                throw e;
            }
            throw TimeoutExplanation.explained(transientFailure, wiring.lease());
        } finally {
            wiring.forgetThisThread();
        }
    }

    /** Closes the pool and stops using the shared token (the last pool of an identity stops its refreshes). */
    @Override
    public void close() {
        try {
            super.close();
        } finally {
            wiring.close();
        }
    }

    /**
     * The identity and scope of the shared token (for example {@code managed identity (system-assigned),
     * scope https://ossrdbms-aad.database.windows.net/.default}), once the pool has started; null before.
     * Pools with equal descriptions share one token. Never contains a secret.
     */
    public String getTokenDescription() {
        TokenLease current = wiring.lease();
        return current == null ? null : current.key().toString();
    }

    /**
     * Whether the pool holds a usable token (and until when), or why not; null before the pool has started.
     * For health checks (the Spring Boot health indicator uses it); never contains the token.
     */
    public TokenStatus getTokenStatus() {
        return wiring.tokenStatus();
    }

    /** The scope tokens are requested for, once the pool has started; null before. */
    public String getEffectiveTokenScope() {
        TokenLease current = wiring.lease();
        return current == null ? null : current.key().scope();
    }

    /**
     * Adds a listener told of every token request of this pool's identity and scope (shared with other
     * pools of the same identity). Must be called before the pool starts.
     */
    public void addTokenListener(TokenListener listener) {
        checkNotStarted();
        wiring.addListener(listener);
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
        if (meterRegistry != null && !PoolWiring.isMeterRegistry(meterRegistry)) {
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

    /** Uses a token registry other than the process-wide one: for tests and benchmarks. */
    void setTokenRegistry(TokenRegistry registry) {
        checkNotStarted();
        this.tokenRegistry = registry;
    }

    private void checkNotStarted() {
        if (wiring.lease() != null && (isRunning() || isClosed())) {
            throw new IllegalStateException("The configuration of the pool is sealed once started.");
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
