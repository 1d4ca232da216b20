package io.github.azuremi.jdbc;

import com.azure.core.credential.TokenCredential;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.internal.compat.DriverClasses;
import io.github.azuremi.jdbc.internal.compat.HikariCompat;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.db.DatabaseKind;
import io.github.azuremi.jdbc.internal.db.JdbcUrl;
import io.github.azuremi.jdbc.internal.db.Logins;
import io.github.azuremi.jdbc.internal.db.TokenAuthenticatingDataSource;
import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.internal.token.Backoff;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshPolicy;
import io.github.azuremi.jdbc.internal.token.TokenCache;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A HikariCP pool whose connections log in with a Microsoft Entra ID access token instead of a password.
 *
 * <pre>{@code
 * var ds = new ManagedIdentityDataSource();
 * ds.setJdbcUrl("jdbc:postgresql://myserver.postgres.database.azure.com:5432/app?sslmode=require");
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
  private static final Pattern GUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final String MYSQL_CLEAR_PASSWORD_PLUGIN = "com.mysql.cj.protocol.a.authentication.MysqlClearPasswordPlugin";

  static final long DEFAULT_EXPIRY_MARGIN_MS = RefreshPolicy.DEFAULT_EXPIRY_MARGIN.toMillis();
  static final long DEFAULT_FETCH_TIMEOUT_MS = 20_000;
  static final long MIN_FETCH_TIMEOUT_MS = 250;
  static final long DEFAULT_RETRY_BACKOFF_MS = Backoff.DEFAULT_INITIAL.toMillis();
  static final long DEFAULT_RETRY_MAX_BACKOFF_MS = Backoff.DEFAULT_MAX.toMillis();

  private String credential;
  private String managedIdentityClientId;
  private String tenantId;
  private TokenCredential tokenCredential;
  private String tokenScope;
  private double tokenRefreshRatio = RefreshPolicy.DEFAULT_RATIO;
  private double tokenRefreshJitter = RefreshPolicy.DEFAULT_JITTER;
  private long tokenExpiryMargin = DEFAULT_EXPIRY_MARGIN_MS;
  private long tokenFetchTimeout = DEFAULT_FETCH_TIMEOUT_MS;
  private long tokenRetryBackoff = DEFAULT_RETRY_BACKOFF_MS;
  private long tokenRetryMaxBackoff = DEFAULT_RETRY_MAX_BACKOFF_MS;
  private boolean allowTokenWithoutTls;
  private String refusedPassword;
  private final List<TokenListener> tokenListeners = new CopyOnWriteArrayList<>();
  private TokenCache tokenCache;
  private Object meterRegistry;
  private volatile AutoCloseable tokenMetrics; // typed so that this class needs no Micrometer class

  private volatile TokenLease lease;
  private final java.util.concurrent.atomic.AtomicBoolean hygieneClosed = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile DatabaseKind databaseKind;

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
    JdbcUrl url = validateUrlAndCredentials(name);
    super.validate(); // Hikari's own checks; names the pool if unnamed
    name = getPoolName();
    validateTimings(name);
    wire(name, url);
  }

  private JdbcUrl validateUrlAndCredentials(String pool) {
    if (getDataSource() != null && !(getDataSource() instanceof TokenAuthenticatingDataSource)
        || getDataSourceClassName() != null || getDataSourceJNDI() != null) {
      throw fatal(pool, "dataSource, dataSourceClassName and dataSourceJNDI cannot be used: "
          + "ManagedIdentityDataSource opens connections from jdbcUrl itself. Remove them and set jdbcUrl");
    }
    if (HikariCompat.credentialsProviderSet(this)) { // HikariCP 7 only; Boot 3.5 brings 6.3
      throw fatal(pool, "credentialsProvider cannot be used: ManagedIdentityDataSource supplies the credentials "
          + "(the access token). Remove credentialsProvider");
    }
    String jdbcUrl = getJdbcUrl();
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      throw fatal(pool, "jdbcUrl is required, for example "
          + "jdbc:postgresql://<server>.postgres.database.azure.com:5432/<database>?sslmode=require, "
          + "jdbc:mysql://<server>.mysql.database.azure.com:3306/<database> or "
          + "jdbc:sqlserver://<server>.database.windows.net:1433;databaseName=<database>;encrypt=true");
    }
    DatabaseKind kind = DatabaseKind.fromJdbcUrl(jdbcUrl);
    if (kind == null) {
      throw fatal(pool, "jdbcUrl must start with jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver: (Azure Database "
          + "for PostgreSQL or MySQL, or Azure SQL Database), but starts with " + scheme(jdbcUrl));
    }
    JdbcUrl url;
    try {
      url = JdbcUrl.parse(jdbcUrl);
    } catch (IllegalArgumentException e) {
      throw fatal(pool, "jdbcUrl cannot be used: " + e.getMessage() + " (" + scheme(jdbcUrl) + "...)");
    }
    if (refusedPassword != null && !refusedPassword.isEmpty()) {
      throw fatal(pool, "password must not be set: the password of each connection is the access token that "
          + "ManagedIdentityDataSource fetches for the identity. Remove the password setting");
    }
    if (kind == DatabaseKind.SQLSERVER) {
      validateSqlServer(pool, url);
    } else {
      validateUserAndPassword(pool, url, kind);
    }
    validateTls(pool, url);
    if (tokenCredential != null && (credential != null || managedIdentityClientId != null || tenantId != null)) {
      throw fatal(pool, "tokenCredential is set, so credential, managedIdentityClientId and tenantId would be "
          + "ignored; remove them (configure the TokenCredential you pass instead)");
    }
    if (credential != null && CredentialType.fromSetting(credential) == null) {
      throw fatal(pool, "credential must be one of " + CredentialType.allSettingValues() + ", but was \""
          + credential + "\"");
    }
    if (managedIdentityClientId != null && !GUID.matcher(managedIdentityClientId.trim()).matches()) {
      throw fatal(pool, "managedIdentityClientId must be the client id (a GUID such as "
          + "1b2c3d4e-0000-1111-2222-333344445555) of a user-assigned managed identity, but was \""
          + managedIdentityClientId + "\". Find it with: az identity show -g <group> -n <name> --query clientId");
    }
    if (tenantId != null && !GUID.matcher(tenantId.trim()).matches() && !tenantId.contains(".")) {
      throw fatal(pool, "tenantId must be a tenant GUID or a domain such as contoso.onmicrosoft.com, but was \""
          + tenantId + "\"");
    }
    if (tokenScope != null) {
      validateScope(pool, kind, tokenScope.trim());
    }
    return url;
  }

  private void validateUserAndPassword(String pool, JdbcUrl url, DatabaseKind kind) {
    if (containsKeyIgnoreCase(getDataSourceProperties(), "password") || url.hasParameter("password")) {
      throw fatal(pool, "a password is set in " + (url.hasParameter("password") ? "jdbcUrl" : "dataSourceProperties")
          + ": the password of each connection is the access token that ManagedIdentityDataSource fetches. Remove it");
    }
    if (url.hasParameter("user") || containsKeyIgnoreCase(getDataSourceProperties(), "user")) {
      throw fatal(pool, "set the database user with the username setting, not as user= in "
          + (url.hasParameter("user") ? "jdbcUrl" : "dataSourceProperties"));
    }
    if (getUsername() == null || getUsername().isBlank()) {
      throw fatal(pool, "username is required for " + kind.displayName() + ": set it to the name of the database "
          + (kind == DatabaseKind.POSTGRESQL ? "role" : "user") + " mapped to this identity. For a managed identity "
          + "that is the name given when the Entra admin created it (" + (kind == DatabaseKind.POSTGRESQL
          ? "SELECT * FROM pgaadauth_create_principal('<name>', false, false)" : "CREATE AADUSER '<name>'")
          + "), usually the identity's name; for a developer it is the sign-in name (UPN), e.g. alice@contoso.com");
    }
  }

  /**
   * SQL Server identifies the login by the token alone: any user, password or other authentication
   * setting would make mssql-jdbc refuse the token or try another login (a known failure of peers).
   */
  private void validateSqlServer(String pool, JdbcUrl url) {
    if (getUsername() != null && !getUsername().isBlank()) {
      throw fatal(pool, "username must not be set for SQL Server: Azure SQL Database identifies the login by the "
          + "access token (the identity is the user, created with CREATE USER [<identity name>] FROM EXTERNAL "
          + "PROVIDER). Remove username");
    }
    for (String key : SQLSERVER_CONFLICTS) {
      boolean inUrl = url.hasParameter(key);
      if (inUrl || containsKeyIgnoreCase(getDataSourceProperties(), key)) {
        throw fatal(pool, key + " is set in " + (inUrl ? "jdbcUrl" : "dataSourceProperties") + ", which conflicts "
            + "with token login: ManagedIdentityDataSource passes the access token through mssql-jdbc's access-token "
            + "callback, and the driver refuses a token together with user, password, authentication, accessToken "
            + "or integratedSecurity. Remove " + key);
      }
    }
    if (!Logins.isSqlServerCallbackAvailable()) {
      throw fatal(pool, "jdbc:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath (for its "
          + "SQLServerAccessTokenCallback); add the dependency com.microsoft.sqlserver:mssql-jdbc");
    }
  }

  /**
   * A token is a bearer credential: whoever reads it can log in as the identity until it expires. So it is
   * never sent over a connection that may be unencrypted, unless the server is on this host or the user
   * says so explicitly with allowTokenWithoutTls.
   */
  private void validateTls(String pool, JdbcUrl url) {
    if (allowTokenWithoutTls || url.isLoopbackHost()) {
      return;
    }
    String setting = switch (url.kind()) {
      case POSTGRESQL -> plaintextSetting(url, "sslmode", "disable", "allow", "prefer");
      case MYSQL -> plaintextSetting(url, "sslMode", "DISABLED", "PREFERRED") != null
          ? plaintextSetting(url, "sslMode", "DISABLED", "PREFERRED") : plaintextSetting(url, "useSSL", "false");
      // mssql-jdbc encrypts every access-token login whatever encrypt says (checked in its prelogin())
      case SQLSERVER -> null;
    };
    if (setting != null) {
      String secure = switch (url.kind()) {
        case POSTGRESQL -> "sslmode=require (or verify-full)";
        case MYSQL -> "sslMode=REQUIRED (or VERIFY_IDENTITY)";
        case SQLSERVER -> "encrypt=true (or strict)";
      };
      throw fatal(pool, setting + " lets the connection to " + url.host() + " run without TLS, and the access "
          + "token would then cross the network in clear text (anyone who reads it can log in as the identity "
          + "until it expires). Use " + secure + ", or, only for a trusted network, set allowTokenWithoutTls=true");
    }
  }

  /** "name=value" if the URL or the driver properties set {@code name} to one of the insecure values. */
  private String plaintextSetting(JdbcUrl url, String name, String... insecure) {
    String value = url.parameter(name);
    String where = "jdbcUrl";
    if (value == null) {
      for (String key : getDataSourceProperties().stringPropertyNames()) {
        if (key.equalsIgnoreCase(name)) {
          value = getDataSourceProperties().getProperty(key);
          where = "dataSourceProperties";
        }
      }
    }
    if (value == null) {
      return null;
    }
    for (String bad : insecure) {
      if (bad.equalsIgnoreCase(value.trim())) {
        return name + "=" + value + " (in " + where + ")";
      }
    }
    return null;
  }

  private static final List<String> SQLSERVER_CONFLICTS = List.of("user", "userName", "password", "authentication",
      "accessToken", "accessTokenCallbackClass", "integratedSecurity", "authenticationScheme", "msiClientId",
      "aadSecurePrincipalId", "aadSecurePrincipalSecret");

  private static boolean containsKeyIgnoreCase(Properties properties, String key) {
    for (Object k : properties.keySet()) {
      if (k instanceof String s && s.equalsIgnoreCase(key)) {
        return true;
      }
    }
    return false;
  }

  private static void validateScope(String pool, DatabaseKind kind, String scope) {
    if (!scope.startsWith("https://") || !scope.endsWith("/.default")) {
      throw fatal(pool, "tokenScope must be an https URI ending in /.default, such as "
          + kind.defaultScope("") + ", but was \"" + scope + "\"; leave it unset to derive it from jdbcUrl");
    }
    boolean ossrdbms = scope.contains("ossrdbms-aad");
    if (kind != DatabaseKind.SQLSERVER && scope.matches("https://database\\.[^/]+/\\.default")
        || kind == DatabaseKind.SQLSERVER && ossrdbms) {
      throw fatal(pool, "tokenScope " + scope + " is the scope of another database service; " + kind.displayName()
          + " needs " + kind.defaultScope("") + " (or its sovereign-cloud variant). Leave tokenScope unset to "
          + "derive it from jdbcUrl");
    }
  }

  private void validateTimings(String pool) {
    if (!(tokenRefreshRatio > 0.0 && tokenRefreshRatio < 1.0)) {
      LOG.warn("{} - tokenRefreshRatio must be greater than 0 and less than 1, was {}; using {}", pool,
          tokenRefreshRatio, RefreshPolicy.DEFAULT_RATIO);
      tokenRefreshRatio = RefreshPolicy.DEFAULT_RATIO;
    }
    if (!(tokenRefreshJitter >= 0.0 && tokenRefreshJitter <= 0.5)) {
      LOG.warn("{} - tokenRefreshJitter must be between 0 and 0.5, was {}; using {}", pool, tokenRefreshJitter,
          RefreshPolicy.DEFAULT_JITTER);
      tokenRefreshJitter = RefreshPolicy.DEFAULT_JITTER;
    }
    if (tokenExpiryMargin < 0) {
      LOG.warn("{} - tokenExpiryMargin must not be negative, was {}ms; using {}ms", pool, tokenExpiryMargin,
          DEFAULT_EXPIRY_MARGIN_MS);
      tokenExpiryMargin = DEFAULT_EXPIRY_MARGIN_MS;
    }
    if (tokenFetchTimeout < MIN_FETCH_TIMEOUT_MS) {
      LOG.warn("{} - tokenFetchTimeout is less than {}ms, was {}ms; using {}ms", pool, MIN_FETCH_TIMEOUT_MS,
          tokenFetchTimeout, DEFAULT_FETCH_TIMEOUT_MS);
      tokenFetchTimeout = DEFAULT_FETCH_TIMEOUT_MS;
    }
    if (tokenRetryBackoff <= 0) {
      LOG.warn("{} - tokenRetryBackoff must be positive, was {}ms; using {}ms", pool, tokenRetryBackoff,
          DEFAULT_RETRY_BACKOFF_MS);
      tokenRetryBackoff = DEFAULT_RETRY_BACKOFF_MS;
    }
    if (tokenRetryMaxBackoff < tokenRetryBackoff) {
      long fallback = Math.max(tokenRetryBackoff, DEFAULT_RETRY_MAX_BACKOFF_MS);
      LOG.warn("{} - tokenRetryMaxBackoff ({}ms) is less than tokenRetryBackoff ({}ms); using {}ms", pool,
          tokenRetryMaxBackoff, tokenRetryBackoff, fallback);
      tokenRetryMaxBackoff = fallback;
    }
  }

  private synchronized void wire(String pool, JdbcUrl url) {
    if (lease != null) {
      return; // a previous start attempt failed after wiring; keep the same lease
    }
    DatabaseKind kind = url.kind();
    Properties driverProperties = new Properties();
    driverProperties.putAll(getDataSourceProperties());
    if (kind == DatabaseKind.MYSQL) {
      addMySqlDefaults(url, driverProperties);
    } else if (kind == DatabaseKind.POSTGRESQL && !url.hasParameter("sslmode") && !url.hasParameter("ssl")
        && !containsKeyIgnoreCase(driverProperties, "sslmode") && !containsKeyIgnoreCase(driverProperties, "ssl")
        && !url.isLoopbackHost()) {
      // pgjdbc's default (prefer) falls back to plain text; Azure requires TLS anyway
      driverProperties.setProperty("sslmode", "require");
    }
    String scope = tokenScope != null ? tokenScope.trim() : kind.defaultScope(url.host());
    TokenKey key = new TokenKey(credentialSource(), scope, tenantId == null ? null : tenantId.trim());
    TokenCache.Settings settings = new TokenCache.Settings(
        new RefreshPolicy(tokenRefreshRatio, tokenRefreshJitter, Duration.ofMillis(tokenExpiryMargin)),
        new Backoff(Duration.ofMillis(tokenRetryBackoff), Duration.ofMillis(tokenRetryMaxBackoff)),
        Duration.ofMillis(tokenFetchTimeout));

    TokenLease newLease = (tokenCache != null ? tokenCache : TokenCache.shared())
        .register(key, settings, new ListenerFanout());
    TokenAuthenticatingDataSource.Login login;
    try {
      login = kind == DatabaseKind.SQLSERVER
          ? Logins.throughSqlServerCallback(getJdbcUrl(), driverProperties, newLease, Duration.ofMillis(getConnectionTimeout()))
          : Logins.asPassword(getJdbcUrl(), DriverClasses.resolve(getJdbcUrl(), getDriverClassName()), driverProperties);
    } catch (RuntimeException e) {
      newLease.close();
      throw fatal(pool, "no JDBC driver could be loaded for jdbcUrl (" + scheme(getJdbcUrl()) + "): "
          + e.getMessage() + ". Add the driver to the classpath (org.postgresql:postgresql, com.mysql:mysql-connector-j "
          + "or com.microsoft.sqlserver:mssql-jdbc) or set driverClassName");
    }
    setDataSource(new TokenAuthenticatingDataSource(pool, kind, kind == DatabaseKind.SQLSERVER ? null : getUsername(),
        newLease, login));
    if (meterRegistry != null) {
      TokenListener metrics = MicrometerTokenMetrics.register(meterRegistry, pool, identityTag(), newLease);
      tokenListeners.add(metrics);
      tokenMetrics = (AutoCloseable) metrics;
    }
    this.databaseKind = kind;
    this.lease = newLease;
    ThreadHygiene.poolStarted(); // no thread left behind when a web application stops
    LOG.info("{} - {} login with access tokens from {} for scope {}", pool, kind.displayName(),
        key.credential().description(), scope);
  }

  /**
   * Azure Database for MySQL takes the token through the mysql_clear_password plugin, which Connector/J
   * only uses over TLS. Whatever the user set explicitly wins.
   */
  private static void addMySqlDefaults(JdbcUrl url, Properties props) {
    if (!url.hasParameter("sslMode") && !url.hasParameter("useSSL") && !url.hasParameter("requireSSL")
        && !props.containsKey("sslMode") && !props.containsKey("useSSL") && !props.containsKey("requireSSL")) {
      props.setProperty("sslMode", "REQUIRED");
    }
    if (!url.hasParameter("defaultAuthenticationPlugin") && !props.containsKey("defaultAuthenticationPlugin")) {
      props.setProperty("defaultAuthenticationPlugin", MYSQL_CLEAR_PASSWORD_PLUGIN);
    }
    if (!url.hasParameter("authenticationPlugins") && !props.containsKey("authenticationPlugins")) {
      props.setProperty("authenticationPlugins", MYSQL_CLEAR_PASSWORD_PLUGIN);
    }
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

  private CredentialSource credentialSource() {
    if (tokenCredential != null) {
      return CredentialSource.of(tokenCredential);
    }
    CredentialType type = credential == null ? CredentialType.DEFAULT : CredentialType.fromSetting(credential);
    String clientId = managedIdentityClientId == null ? null : managedIdentityClientId.trim();
    String tenant = tenantId == null ? null : tenantId.trim();
    return CredentialFactory.source(type, clientId, tenant);
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
    } catch (SQLTransientConnectionException e) {
      String why = explainTimeout(e);
      if (why == null) {
        throw e;
      }
      SQLTransientConnectionException explained = new SQLTransientConnectionException(e.getMessage() + "; " + why,
          e.getSQLState(), e.getErrorCode(), e.getCause() != null ? e.getCause() : e);
      explained.setStackTrace(e.getStackTrace());
      throw explained;
    }
  }

  /**
   * What Hikari's "Connection is not available" does not say: the last connection failure and, when the
   * token is the reason, the state of the token (Hikari may time the caller out before the connection
   * attempt that waits for a token has failed, and then it has no failure to quote).
   */
  private String explainTimeout(SQLTransientConnectionException e) {
    StringBuilder why = new StringBuilder();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && e.getMessage() != null && !e.getMessage().contains(cause.getMessage())) {
      why.append("last connection failure: ").append(cause.getMessage());
    }
    TokenLease current = lease;
    String tokenState = current == null ? null : current.unavailableReason();
    if (tokenState != null && (cause == null || !String.valueOf(cause.getMessage()).contains("access token"))) {
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
        if (hygieneClosed.compareAndSet(false, true)) {
          ThreadHygiene.poolClosed();
        }
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

  /** The database kind in use, once the pool has started; null before. */
  DatabaseKind getDatabaseKind() {
    return databaseKind;
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
      throw new IllegalArgumentException("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry, was "
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

  /** Uses a cache other than the process-wide one: for tests and benchmarks. */
  void setTokenCache(TokenCache cache) {
    checkNotStarted();
    this.tokenCache = cache;
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
    this.managedIdentityClientId = blankToNull(managedIdentityClientId);
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    checkNotStarted();
    this.tenantId = blankToNull(tenantId);
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

  public boolean isAllowTokenWithoutTls() {
    return allowTokenWithoutTls;
  }

  /**
   * Allows sending the token to a non-loopback server over a connection that may not be encrypted
   * (sslmode=disable/allow/prefer, sslMode=DISABLED/PREFERRED, encrypt=false/optional). Default false.
   */
  public void setAllowTokenWithoutTls(boolean allowTokenWithoutTls) {
    checkNotStarted();
    this.allowTokenWithoutTls = allowTokenWithoutTls;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Override
  public String toString() {
    return "ManagedIdentityDataSource (" + getPoolName() + ")";
  }
}
