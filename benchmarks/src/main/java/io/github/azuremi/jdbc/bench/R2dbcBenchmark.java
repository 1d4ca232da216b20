package io.github.azuremi.jdbc.bench;

import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.bench.support.Postgres;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
import reactor.core.publisher.Mono;

/**
 * R2DBC (issue 18) against the real local PostgreSQL (SCRAM-SHA-256, 4096 iterations), through r2dbc-postgresql:
 * <ul>
 *   <li>{@code newConnection}: a new physical connection (login, then close) from the library's factory
 *   ({@code r2dbc:azuremi:postgresql://}, the token cached: 24 h tokens, so it is fetched once) next to the driver's
 *   own factory with a static password of the same length and alphabet, at the same moment;</li>
 *   <li>{@code poolAcquire}: acquire and release through r2dbc-pool on the library's factory next to r2dbc-pool on
 *   the driver's own factory with a static password (the pool keeps its connections: the token is not in this path
 *   once they exist, so the ratio shows what the library's factory adds to a pool's hot path).</li>
 * </ul>
 * Both sides use {@code sslMode=disable} towards the loopback address (the library allows it for this machine only):
 * a TLS handshake on both sides would only dilute the token's share. Each group runs its two methods at the same time,
 * one thread each (this machine is shared and its load drifts; see {@link LoginFixture}).
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar R2dbcBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(5)
public class R2dbcBenchmark {

  static final String STATIC_ROLE = "mi_bench_r2dbc_static";
  static final String TOKEN_ROLE = "mi_bench_r2dbc_token";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @State(Scope.Benchmark)
  public static class Fixture {
    Postgres postgres;
    ConnectionFactory ours;
    ConnectionFactory staticPassword;
    ConnectionPool oursPool;
    ConnectionPool staticPool;
    private final AtomicInteger fetches = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
      postgres = Postgres.connect();
      postgres.ensureRole(STATIC_ROLE);
      postgres.ensureRole(TOKEN_ROLE);
      AtomicReference<String> issued = new AtomicReference<>();
      Endpoints.prepare(Duration.ofHours(24), Duration.ZERO, token -> {
        postgres.setPassword(TOKEN_ROLE, token.accessToken(), token.expiresOn());
        issued.set(token.accessToken());
        fetches.incrementAndGet();
      });
      String address = postgres.jdbcUrl().substring("jdbc:postgresql://".length());
      int query = address.indexOf('?');
      address = query < 0 ? address : address.substring(0, query);
      // an identity nobody asked for before in this JVM; the first token is awaited as long as it takes here
      ours = ConnectionFactories.get("r2dbc:azuremi:postgresql://" + TOKEN_ROLE + "@" + address
          + "?sslMode=disable&credential=managed-identity&tokenFetchTimeout=120000&managedIdentityClientId="
          + UUID.randomUUID());
      TokenSupplyBenchmark.require(connect(ours), "no connection with the token");
      TokenSupplyBenchmark.require(issued.get() != null, "the endpoint issued no token");
      String password = Postgres.randomPassword(issued.get().length());
      postgres.setPassword(STATIC_ROLE, password, null);
      staticPassword = ConnectionFactories.get("r2dbc:postgresql://" + STATIC_ROLE + ":"
          + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@" + address + "?sslMode=disable");
      TokenSupplyBenchmark.require(connect(staticPassword), "no connection with the static password");
      oursPool = pool(ours);
      staticPool = pool(staticPassword);
      TokenSupplyBenchmark.require(connect(oursPool) && connect(staticPool), "no connection from the pools");
    }

    private static ConnectionPool pool(ConnectionFactory factory) {
      return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
          .initialSize(1)
          .maxSize(1)
          .maxAcquireTime(TIMEOUT)
          .build());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      oursPool.dispose();
      staticPool.dispose();
      ((Closeable) ours).close();
      postgres.close();
      TokenSupplyBenchmark.require(fetches.get() == 1, "the token was fetched " + fetches.get()
          + " times: the token rows did not all use the cached token");
    }
  }

  /** A connection of {@code factory}, closed again: true if the connection was in auto-commit (it always is). */
  static boolean connect(ConnectionFactory factory) {
    return Boolean.TRUE.equals(Mono.usingWhen(factory.create(), c -> Mono.just(c.isAutoCommit()), Connection::close)
        .block(TIMEOUT));
  }

  @Benchmark
  @Group("newConnection")
  @GroupThreads(1)
  public boolean staticPassword(Fixture f) {
    return connect(f.staticPassword);
  }

  @Benchmark
  @Group("newConnection")
  @GroupThreads(1)
  public boolean cachedToken(Fixture f) {
    return connect(f.ours);
  }

  @Benchmark
  @Group("poolAcquire")
  @GroupThreads(1)
  public boolean plainPool(Fixture f) {
    return connect(f.staticPool);
  }

  @Benchmark
  @Group("poolAcquire")
  @GroupThreads(1)
  public boolean oursPool(Fixture f) {
    return connect(f.oursPool);
  }
}
