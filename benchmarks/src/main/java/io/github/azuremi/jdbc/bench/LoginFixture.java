package io.github.azuremi.jdbc.bench;

import com.zaxxer.hikari.util.DriverDataSource;
import io.github.azuremi.jdbc.BenchAccess;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.bench.support.Postgres;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenListener;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the new-connection benchmarks share: the local PostgreSQL with its roles, the endpoint, and two ways
 * to open a physical connection:
 * <ul>
 *   <li>{@link #cachedToken()}: ManagedIdentityDataSource's login data source (what HikariCP's connection
 *   adder calls) with its token cached; the role's password is that token (set by the endpoint's onIssue
 *   hook when it issued it, 24 h lifetime, so it is fetched once);</li>
 *   <li>{@link #staticPassword()}: HikariCP's DriverDataSource with a static password of the same length and
 *   alphabet as the token: the floor.</li>
 * </ul>
 * The cached token's scope is one nobody else uses, so that MSAL4J's JVM-wide cache cannot hand it to
 * the fresh-token benchmark's credential.
 */
@State(Scope.Benchmark)
public class LoginFixture {

  static final String STATIC_ROLE = "mi_bench_static";
  static final String CACHED_ROLE = "mi_bench_cached";

  Postgres postgres;
  LocalManagedIdentityEndpoint endpoint;
  private ManagedIdentityDataSource managedIdentity;
  private DataSource cachedTokenLogin;
  private DataSource staticLogin;
  private final AtomicInteger cachedFetches = new AtomicInteger();
  String someToken;

  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    postgres = Postgres.connect();
    postgres.ensureRole(STATIC_ROLE);
    postgres.ensureRole(CACHED_ROLE);

    AtomicReference<String> issued = new AtomicReference<>();
    endpoint = Endpoints.prepare(Duration.ofHours(24), Duration.ZERO, token -> {
      postgres.setPassword(CACHED_ROLE, token.accessToken(), token.expiresOn());
      issued.set(token.accessToken());
    });

    managedIdentity = new ManagedIdentityDataSource();
    managedIdentity.setPoolName("new-connection");
    managedIdentity.setJdbcUrl(postgres.jdbcUrl());
    managedIdentity.setUsername(CACHED_ROLE);
    managedIdentity.setCredential("managed-identity");
    // an identity nobody asked for before in this JVM: MSAL's JVM-wide cache has nothing for it
    managedIdentity.setManagedIdentityClientId(java.util.UUID.randomUUID().toString());
    // set-up, not measured: a shared machine under load may need more than the default 20 s
    managedIdentity.setTokenFetchTimeout(120_000);
    managedIdentity.setConnectionTimeout(120_000);
    managedIdentity.addTokenListener(new TokenListener() {
      @Override
      public void onTokenFetched(TokenInfo info) {
        cachedFetches.incrementAndGet();
      }

      @Override
      public void onTokenFetchFailed(TokenFetchFailure failure) {
        // counted by the fetch check in tearDown
      }
    });
    BenchAccess.setTokenRegistry(managedIdentity, Caches.newRegistry());
    managedIdentity.validate(); // wires the login data source without starting the pool
    cachedTokenLogin = managedIdentity.getDataSource();
    TokenSupplyBenchmark.require(cachedToken(), "no connection with the cached token");
    someToken = issued.get();
    TokenSupplyBenchmark.require(someToken != null, "the endpoint issued no token");

    String staticPassword = Postgres.randomPassword(someToken.length());
    postgres.setPassword(STATIC_ROLE, staticPassword, null);
    staticLogin = new DriverDataSource(postgres.jdbcUrl(), "org.postgresql.Driver", new Properties(),
        STATIC_ROLE, staticPassword);
    TokenSupplyBenchmark.require(staticPassword(), "no connection with the static password");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    managedIdentity.close();
    postgres.close();
    TokenSupplyBenchmark.require(cachedFetches.get() == 1, "the cached token was fetched " + cachedFetches.get()
        + " times: the cached-token rows did not all use a cached token");
  }

  boolean cachedToken() throws SQLException {
    try (Connection c = cachedTokenLogin.getConnection()) {
      return c.getAutoCommit();
    }
  }

  boolean staticPassword() throws SQLException {
    try (Connection c = staticLogin.getConnection()) {
      return c.getAutoCommit();
    }
  }
}
