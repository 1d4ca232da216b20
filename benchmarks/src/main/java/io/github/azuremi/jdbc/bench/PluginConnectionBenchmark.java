package io.github.azuremi.jdbc.bench;

import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.bench.support.Mysql;
import io.github.azuremi.jdbc.bench.support.Postgres;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * 6. The driver-level token plugins (issue 12): opening ONE new physical connection, no pool. Each operation
 * is the driver's own {@code connect}, a {@code SELECT 1}, and {@code close}, against the real local server.
 *
 * <p>{@code postgres} group (PostgreSQL, SCRAM-SHA-256, pgjdbc's default sslmode):
 * <ul>
 *   <li>{@code staticPassword}: role {@value #PG_STATIC_ROLE}, whose password was set once to a fixed random
 *   string of the token's length and alphabet: the floor;</li>
 *   <li>{@code ours}: {@code authenticationPluginClassName=}{@value #OUR_PG_PLUGIN}, {@code user=}
 *   {@value #TOKEN_ROLE}, {@code credential=managed-identity}, {@code managedIdentityClientId=<random GUID>},
 *   no password;</li>
 *   <li>{@code extensions}: azure-identity-extensions 1.2.9, {@code authenticationPluginClassName=}
 *   {@value #EXTENSIONS_PG_PLUGIN}, {@code azure.managedIdentityEnabled=true}, {@code azure.clientId=<the same
 *   GUID>}, the same role.</li>
 * </ul>
 * {@code mysql} group (the local MariaDB, {@code mysql_native_password}, sslMode=DISABLED on loopback):
 * <ul>
 *   <li>{@code staticPassword}: user {@value #MY_STATIC_USER} with a fixed password,
 *   {@code defaultAuthenticationPlugin=mysql_native_password} (no auth switch): the floor;</li>
 *   <li>{@code ours}: {@code authenticationPlugins=defaultAuthenticationPlugin=}{@value #OUR_MYSQL_PLUGIN},
 *   user {@value #TOKEN_ROLE}, the token as native password.</li>
 * </ul>
 * azure-identity-extensions' MySQL plugin has no row: it only speaks {@code mysql_clear_password}, which the
 * local MariaDB (native password hashes, no PAM) cannot verify. The setup tries it once and prints what
 * happened, so the output says so instead of faking a row.
 *
 * <p><b>The server checks every token.</b> The token role and the static role are members of
 * {@code mi_token_users}, which pg_hba.conf sends to scram-sha-256 (the same rule for both), and the setup
 * proves that a wrong password is refused. The endpoint's onIssue hook makes a token it issues to this fork's
 * identity the role's (and the MariaDB user's) password before it answers; a token for any other identity
 * (a plugin that misread its client id) is not, and fails the fork. Ours and azure-identity-extensions use the same identity (one random
 * client id per fork, so no cache of an earlier run can answer) and so the same token: a local role holds one
 * password, where Azure would accept any unexpired token of the identity. Tokens live 24 h: nothing expires or
 * refreshes during a fork, so every measured connection gets its token from a cache (ours: the library's;
 * azure-identity-extensions: azure-identity's, i.e. MSAL4J's JVM-wide cache), and the teardown fails the fork
 * if the endpoint saw any request after the setup. The endpoint requests of each variant (setup and measured)
 * and the number of connections are printed by each fork and written to the side file, and the report shows
 * them.
 *
 * <p>The members of a group run at the same time, one thread each (see {@link NewConnectionBenchmark}): the
 * ratios are paired, iteration by iteration.
 *
 * <p>Full run (about 12 minutes; 8 forks per group): {@code java -jar target/benchmarks.jar PluginConnectionBenchmark}; only
 * PostgreSQL: {@code java -jar target/benchmarks.jar 'PluginConnectionBenchmark.postgres'}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 10, time = 3)
@Fork(8)
public class PluginConnectionBenchmark {

  static final String OUR_PG_PLUGIN = "io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin";
  static final String OUR_MYSQL_PLUGIN = "io.github.azuremi.jdbc.plugin.MysqlNativePasswordAuthenticationPlugin";
  static final String EXTENSIONS_PG_PLUGIN =
      "com.azure.identity.extensions.jdbc.postgresql.AzurePostgresqlAuthenticationPlugin";
  static final String EXTENSIONS_MYSQL_PLUGIN =
      "com.azure.identity.extensions.jdbc.mysql.AzureMysqlAuthenticationPlugin";
  /** The role (PostgreSQL) and user (MariaDB) whose password is the identity's token. */
  static final String TOKEN_ROLE = "bench_plugin_token";
  static final String PG_STATIC_ROLE = "bench_plugin_static";
  static final String MY_STATIC_USER = "bench_plugin_static";
  /** Set-up only, never on the measured path: a shared machine under load may be slow to answer. */
  static final String SETUP_TIMEOUT_MS = "120000";

  /** Counts, per variant, endpoint requests and connections, and reports them at the end of the fork. */
  abstract static class Logins {
    final String database;
    LocalManagedIdentityEndpoint endpoint;
    final String clientId = UUID.randomUUID().toString();
    final AtomicReference<String> lastToken = new AtomicReference<>();
    /** Identities the endpoint issued tokens to other than {@link #clientId}: a plugin that misread its settings. */
    final java.util.Set<String> foreignIdentities = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final Map<String, Integer> setupRequests = new LinkedHashMap<>();
    final java.util.List<String> refusedFirst = new java.util.ArrayList<>();
    final java.util.List<String> notes = new java.util.ArrayList<>();
    final Map<String, LongAdder> connections = new LinkedHashMap<>();
    int requestsAfterSetup;

    Logins(String database, String... variants) {
      this.database = database;
      for (String variant : variants) {
        connections.put(variant, new LongAdder());
      }
    }

    /** Opens the first connection of a variant, and notes how many endpoint requests it caused. */
    void firstConnection(String variant, SqlAction login) throws SQLException {
      int before = endpoint.requestCount();
      try {
        login.run();
      } catch (SQLException e) {
        // The local server reads the role's password when the login starts, before it asks for the password;
        // the plugin fetches the token only then, and the endpoint's hook sets it as the role's password too
        // late for this login (Azure checks tokens differently). So a login that fetched may be refused once.
        if (!foreignIdentities.isEmpty()) {
          throw new IllegalStateException(variant + " asked the endpoint for a token of identity "
              + foreignIdentities + ", not of " + clientId + " (its managedIdentityClientId/azure.clientId)", e);
        }
        if (endpoint.requestCount() == before || !isPasswordRefused(e)) {
          throw e;
        }
        refusedFirst.add(variant);
        login.run();
      }
      setupRequests.put(variant, endpoint.requestCount() - before);
    }

    /** Whether the endpoint issued {@code token} to this fork's identity (else it is not made a password). */
    boolean ownIdentity(LocalManagedIdentityEndpoint.IssuedToken token) {
      if (clientId.equals(token.clientId())) {
        return true;
      }
      foreignIdentities.add(String.valueOf(token.clientId()));
      return false;
    }

    /** SQLState 28P01 (PostgreSQL), error 1045 (MySQL/MariaDB): the server refused the password. */
    static boolean isPasswordRefused(SQLException e) {
      return "28P01".equals(e.getSQLState()) || e.getErrorCode() == 1045;
    }

    /** Fails the fork if the endpoint saw a request while measuring; prints and records the counts. */
    void finish() {
      int measured = endpoint.requestCount() - requestsAfterSetup;
      StringBuilder out = new StringBuilder("# PluginConnectionBenchmark." + database
          + ": endpoint requests (setup, first connection of each variant, in this order): ");
      setupRequests.forEach((variant, n) -> out.append(variant).append(' ').append(n)
          .append(refusedFirst.contains(variant) ? " (its first login was refused: the server had read the"
              + " role's password before the token it fetched became the password; retried once)" : "")
          .append("; "));
      out.append("after the setup (warm-up and measurement, all variants): ").append(measured)
          .append("; connections opened after the setup: ");
      connections.forEach((variant, n) -> out.append(variant).append(' ').append(n.sum()).append("; "));
      System.out.println(out);
      String file = System.getenv(Bench.SIDECAR_ENV);
      if (file != null) {
        StringBuilder lines = new StringBuilder();
        String prefix = "PluginConnectionBenchmark." + database + ".";
        setupRequests.forEach((variant, n) -> lines.append(prefix).append(variant).append("\tsetupRequests\t")
            .append(n).append('\n'));
        lines.append(prefix).append("all\tmeasuredRequests\t").append(measured).append('\n');
        notes.forEach(note -> lines.append(prefix).append("all\tnote\t").append(note).append('\n'));
        connections.forEach((variant, n) -> lines.append(prefix).append(variant).append("\tconnections\t")
            .append(n.sum()).append('\n'));
        try {
          Files.writeString(Path.of(file), lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      TokenSupplyBenchmark.require(foreignIdentities.isEmpty(), "the endpoint issued tokens to identities "
          + foreignIdentities + ", not only to " + clientId);
      TokenSupplyBenchmark.require(measured == 0, measured + " request(s) reached the endpoint after the setup: a"
          + " measured connection did not get its token from a cache (or a token was refreshed mid-run)");
    }
  }

  @FunctionalInterface
  interface SqlAction {
    void run() throws SQLException;
  }

  /** One new physical connection through {@code driver}: connect, {@code SELECT 1}, close. */
  static int connectQueryClose(Driver driver, String url, Properties properties) throws SQLException {
    Connection c = driver.connect(url, properties);
    if (c == null) {
      throw new SQLException("the driver does not accept " + url);
    }
    try (c; Statement sql = c.createStatement(); ResultSet one = sql.executeQuery("SELECT 1")) {
      one.next();
      return one.getInt(1);
    }
  }

  /** PostgreSQL: the static-password floor, our plugin, azure-identity-extensions' plugin. */
  @State(Scope.Benchmark)
  public static class PostgresLogins extends Logins {
    private Postgres postgres;
    private final Driver driver = new org.postgresql.Driver();
    private String url;
    private final Properties staticProperties = new Properties();
    private final Properties ourProperties = new Properties();
    private final Properties extensionsProperties = new Properties();

    public PostgresLogins() {
      super("postgres", "ours", "extensions", "staticPassword");
    }

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
      postgres = Postgres.connect();
      postgres.ensureRole(PG_STATIC_ROLE);
      postgres.ensureRole(TOKEN_ROLE);
      url = postgres.jdbcUrl();
      endpoint = Endpoints.prepare(Duration.ofHours(24), Duration.ZERO, token -> {
        if (ownIdentity(token)) {
          postgres.setPassword(TOKEN_ROLE, token.accessToken(), token.expiresOn());
          lastToken.set(token.accessToken());
        }
      });

      ourProperties.setProperty("user", TOKEN_ROLE);
      ourProperties.setProperty("authenticationPluginClassName", OUR_PG_PLUGIN);
      ourProperties.setProperty("credential", "managed-identity");
      ourProperties.setProperty("managedIdentityClientId", clientId);
      ourProperties.setProperty("tokenFetchTimeout", SETUP_TIMEOUT_MS);

      extensionsProperties.setProperty("user", TOKEN_ROLE);
      extensionsProperties.setProperty("authenticationPluginClassName", EXTENSIONS_PG_PLUGIN);
      extensionsProperties.setProperty("azure.managedIdentityEnabled", "true");
      extensionsProperties.setProperty("azure.clientId", clientId);

      // ours first: it fetches the identity's token (the hook makes it the role's password), and MSAL4J's
      // JVM-wide cache then holds it for azure-identity-extensions
      firstConnection("ours", this::ours);
      firstConnection("extensions", this::extensions);
      String token = lastToken.get();
      TokenSupplyBenchmark.require(token != null, "the endpoint issued no token");

      String staticPassword = Postgres.randomPassword(token.length());
      postgres.setPassword(PG_STATIC_ROLE, staticPassword, null);
      staticProperties.setProperty("user", PG_STATIC_ROLE);
      staticProperties.setProperty("password", staticPassword);
      firstConnection("staticPassword", this::staticPassword);

      // the server checks the token: the same role without it (a wrong password) is refused
      Properties wrong = new Properties();
      wrong.setProperty("user", TOKEN_ROLE);
      wrong.setProperty("password", Postgres.randomPassword(token.length()));
      try {
        connectQueryClose(driver, url, wrong);
        throw new IllegalStateException("PostgreSQL let " + TOKEN_ROLE + " in with a wrong password");
      } catch (SQLException expected) {
        TokenSupplyBenchmark.require("28P01".equals(expected.getSQLState()),
            "expected 28P01 for a wrong password, got " + expected.getSQLState() + ": " + expected.getMessage());
      }
      connections.values().forEach(LongAdder::reset);
      requestsAfterSetup = endpoint.requestCount();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      try {
        finish();
      } finally {
        postgres.close();
      }
    }

    int staticPassword() throws SQLException {
      connections.get("staticPassword").increment();
      return connectQueryClose(driver, url, staticProperties);
    }

    int ours() throws SQLException {
      connections.get("ours").increment();
      return connectQueryClose(driver, url, ourProperties);
    }

    int extensions() throws SQLException {
      connections.get("extensions").increment();
      return connectQueryClose(driver, url, extensionsProperties);
    }
  }

  /** MariaDB: the static-password floor and our native-password plugin. */
  @State(Scope.Benchmark)
  public static class MysqlLogins extends Logins {
    private Mysql mysql;
    private Driver driver;
    private String url;
    private final Properties staticProperties = new Properties();
    private final Properties ourProperties = new Properties();

    public MysqlLogins() {
      super("mysql", "ours", "staticPassword");
    }

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
      mysql = Mysql.connect();
      mysql.ensureUser(MY_STATIC_USER);
      mysql.ensureUser(TOKEN_ROLE);
      url = mysql.jdbcUrl();
      driver = new com.mysql.cj.jdbc.Driver();
      endpoint = Endpoints.prepare(Duration.ofHours(24), Duration.ZERO, token -> {
        if (ownIdentity(token)) {
          mysql.setPassword(TOKEN_ROLE, token.accessToken());
          lastToken.set(token.accessToken());
        }
      });

      ourProperties.setProperty("user", TOKEN_ROLE);
      ourProperties.setProperty("authenticationPlugins", OUR_MYSQL_PLUGIN);
      ourProperties.setProperty("defaultAuthenticationPlugin", OUR_MYSQL_PLUGIN);
      ourProperties.setProperty("credential", "managed-identity");
      ourProperties.setProperty("managedIdentityClientId", clientId);
      ourProperties.setProperty("tokenFetchTimeout", SETUP_TIMEOUT_MS);

      firstConnection("ours", this::ours);
      String token = lastToken.get();
      TokenSupplyBenchmark.require(token != null, "the endpoint issued no token");

      String staticPassword = Postgres.randomPassword(token.length());
      mysql.setPassword(MY_STATIC_USER, staticPassword);
      staticProperties.setProperty("user", MY_STATIC_USER);
      staticProperties.setProperty("password", staticPassword);
      staticProperties.setProperty("defaultAuthenticationPlugin", "mysql_native_password");
      firstConnection("staticPassword", this::staticPassword);

      probeExtensionsPlugin();
      connections.values().forEach(LongAdder::reset);
      requestsAfterSetup = endpoint.requestCount();
    }

    /**
     * azure-identity-extensions' MySQL plugin sends the token with {@code mysql_clear_password}; the local
     * MariaDB stores native-password hashes and has no clear-text verifier, so it cannot check such a login.
     * Tried once, outside the measurement, to print what happens.
     */
    private void probeExtensionsPlugin() {
      Properties properties = new Properties();
      properties.setProperty("user", TOKEN_ROLE);
      properties.setProperty("authenticationPlugins", EXTENSIONS_MYSQL_PLUGIN);
      properties.setProperty("defaultAuthenticationPlugin", EXTENSIONS_MYSQL_PLUGIN);
      properties.setProperty("azure.managedIdentityEnabled", "true");
      properties.setProperty("azure.clientId", clientId);
      String outcome;
      try {
        connectQueryClose(driver, url, properties);
        outcome = "it connected (unexpected: look at how the server verified it)";
      } catch (SQLException | RuntimeException | LinkageError e) {
        outcome = "failed, as expected: " + e.getClass().getName() + ": " + e.getMessage();
      }
      notes.add("mysql: no azure-identity-extensions row. Its MySQL plugin (" + EXTENSIONS_MYSQL_PLUGIN
          + ") only speaks mysql_clear_password, which the local " + (mysql.isMariaDb() ? "MariaDB" : "MySQL")
          + " (mysql_native_password hashes, no clear-text verifier) cannot check; a token sent that way is"
          + " not what this server verifies. One try in the set-up: " + outcome.replace('\n', ' '));
      System.out.println("# PluginConnectionBenchmark." + notes.get(notes.size() - 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      try {
        finish();
      } finally {
        mysql.close();
      }
    }

    int staticPassword() throws SQLException {
      connections.get("staticPassword").increment();
      return connectQueryClose(driver, url, staticProperties);
    }

    int ours() throws SQLException {
      connections.get("ours").increment();
      return connectQueryClose(driver, url, ourProperties);
    }
  }

  @Benchmark
  @Group("postgres")
  @GroupThreads(1)
  public int staticPassword(PostgresLogins logins) throws SQLException {
    return logins.staticPassword();
  }

  @Benchmark
  @Group("postgres")
  @GroupThreads(1)
  public int ours(PostgresLogins logins) throws SQLException {
    return logins.ours();
  }

  @Benchmark
  @Group("postgres")
  @GroupThreads(1)
  public int extensions(PostgresLogins logins) throws SQLException {
    return logins.extensions();
  }

  @Benchmark
  @Group("mysql")
  @GroupThreads(1)
  public int mysqlStaticPassword(MysqlLogins logins) throws SQLException {
    return logins.staticPassword();
  }

  @Benchmark
  @Group("mysql")
  @GroupThreads(1)
  public int mysqlOurs(MysqlLogins logins) throws SQLException {
    return logins.ours();
  }
}
