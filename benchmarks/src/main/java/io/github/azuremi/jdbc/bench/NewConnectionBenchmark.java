package io.github.azuremi.jdbc.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * 3. Opening a new physical connection to the real local PostgreSQL (SCRAM-SHA-256 login, 4096
 * iterations): the work HikariCP's connection adder does for every new connection.
 * <ul>
 *   <li>{@code login.staticPasswordFloor}: a role with a static password (same length and alphabet as a
 *   token), through HikariCP's DriverDataSource: the floor, no token at all;</li>
 *   <li>{@code login.cachedToken}: ManagedIdentityDataSource's login data source, token cached (the role's
 *   password is that token);</li>
 *   <li>{@code alterRole.alterRoleOnly}: what the endpoint's onIssue hook does for every token in
 *   {@link NewConnectionFreshTokenBenchmark} (make a role's password the token), measured alone so that it
 *   can be subtracted from the fresh-token rows.</li>
 * </ul>
 * Each JMH group runs its two methods at the same time, one thread each, and every group has a cached-token
 * login thread ({@code cachedToken} / {@code cachedTokenAlongside}): this machine is shared and its load
 * drifts, so every row is compared with a cached-token login measured at the same moment under the same load
 * (each row is the time of its operation while one login runs alongside). See {@link LoginFixture}.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar NewConnectionBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(5)
public class NewConnectionBenchmark {

  static final String ALTER_ROLE = "mi_bench_alter";

  @Benchmark
  @Group("login")
  @GroupThreads(1)
  public boolean staticPasswordFloor(LoginFixture fixture) throws SQLException {
    return fixture.staticPassword();
  }

  @Benchmark
  @Group("login")
  @GroupThreads(1)
  public boolean cachedToken(LoginFixture fixture) throws SQLException {
    return fixture.cachedToken();
  }

  @Benchmark
  @Group("alterRole")
  @GroupThreads(1)
  public String alterRoleOnly(LoginFixture fixture) {
    fixture.postgres.ensureRoleOnce(ALTER_ROLE);
    fixture.postgres.setPassword(ALTER_ROLE, fixture.someToken, Instant.now().plusSeconds(120));
    return ALTER_ROLE;
  }

  @Benchmark
  @Group("alterRole")
  @GroupThreads(1)
  public boolean cachedTokenAlongside(LoginFixture fixture) throws SQLException {
    return fixture.cachedToken();
  }
}
