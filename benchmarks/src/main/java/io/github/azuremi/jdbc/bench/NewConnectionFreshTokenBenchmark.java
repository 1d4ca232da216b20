package io.github.azuremi.jdbc.bench;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.zaxxer.hikari.util.DriverDataSource;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * 3 (continued). Opening a new physical connection to the real local PostgreSQL with a <em>fresh</em>
 * token: azure-identity's ManagedIdentityCredential fetches one from the local endpoint for this connection
 * (the pattern of the tutorial, and of every plugin on a cache miss), at an injected endpoint latency of 0,
 * 5 and 50 ms (field reports: 10-30 ms typical, spikes near 1 s). {@code fresh.cachedTokenAlongside} is a
 * cached-token login measured at the same time (see {@link NewConnectionBenchmark}): the difference is what
 * the cache saves per connection.
 *
 * <p>The endpoint issues 2-minute tokens: MSAL4J treats a token that expires within 5 minutes as expired,
 * so every call goes to the endpoint (setUp checks that it does). A local PostgreSQL role holds one password,
 * so the endpoint's onIssue hook makes each token the role's password before it answers; that costs
 * {@code NewConnectionBenchmark.alterRole.alterRoleOnly} per connection, which is included here (the report
 * also shows the ratio with it subtracted).
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar NewConnectionFreshTokenBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
@State(Scope.Benchmark)
public class NewConnectionFreshTokenBenchmark {

  static final String FRESH_ROLE = "mi_bench_fresh";

  @Param({"0", "5", "50"})
  public int endpointLatencyMs;

  private TokenCredential credential;
  private TokenRequestContext request;
  private DriverDataSource login;

  @Setup(Level.Trial)
  public void setUp(LoginFixture fixture) throws SQLException {
    fixture.postgres.ensureRole(FRESH_ROLE);
    // after the fixture's cached token was fetched: from now on, short tokens after the injected latency
    Endpoints.prepare(Duration.ofMinutes(2), Duration.ofMillis(endpointLatencyMs),
        token -> fixture.postgres.setPassword(FRESH_ROLE, token.accessToken(), token.expiresOn()));
    credential = Caches.managedIdentityCredential();
    request = Caches.request(Endpoints.OSSRDBMS_SCOPE);
    login = new DriverDataSource(fixture.postgres.jdbcUrl(), "org.postgresql.Driver", new Properties(), null, null);

    int before = fixture.endpoint.requestCount();
    freshToken();
    freshToken();
    TokenSupplyBenchmark.require(fixture.endpoint.requestCount() - before == 2,
        "azure-identity answered from its cache: the rows would not measure a fresh token");
  }

  @Benchmark
  @Group("fresh")
  @GroupThreads(1)
  public boolean freshToken() throws SQLException {
    AccessToken token = credential.getTokenSync(request);
    try (Connection c = login.getConnection(FRESH_ROLE, token.getToken())) {
      return c.getAutoCommit();
    }
  }

  @Benchmark
  @Group("fresh")
  @GroupThreads(1)
  public boolean cachedTokenAlongside(LoginFixture fixture) throws SQLException {
    return fixture.cachedToken();
  }
}
