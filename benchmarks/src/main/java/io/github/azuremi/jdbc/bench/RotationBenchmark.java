package io.github.azuremi.jdbc.bench;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import io.github.azuremi.jdbc.BenchAccess;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.bench.support.BenchDriver;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 5. {@code getConnection} latency while tokens rotate and connections are recycled (JMH sample time: the
 * report shows p50, p99 and p99.9), against the same with no rotation.
 *
 * <p>Set-up, the same in every row: a pool of {@value #POOL_SIZE} connections; {@value #WORKERS} threads
 * keep it busy ({@code load}: borrow, {@code SELECT 1}, return) while {@value #BORROWERS} threads measure
 * {@code getConnection} (borrow and return at once): the pool is saturated, so that a connection missing
 * while it is replaced shows in the percentiles. A recycler evicts one connection every
 * {@value #RECYCLE_EVERY_MS} ms, so the pool keeps opening new physical connections (to the real local
 * PostgreSQL, through {@link BenchDriver}, which first refuses any password that is not an unexpired token of
 * the endpoint, as Azure would). The endpoint answers after {@value #ENDPOINT_LATENCY_MS} ms.
 * <ul>
 *   <li>{@code steady}: ManagedIdentityDataSource, 24 h tokens: no token request during the run;</li>
 *   <li>{@code rotating}: ManagedIdentityDataSource, {@value #ROTATING_LIFETIME_S} s tokens: the cache
 *   refreshes about every {@value #ROTATING_LIFETIME_S}/2 s, in the background;</li>
 *   <li>{@code rotatingPerConnectionFetch}: a HikariDataSource whose credentials provider calls
 *   azure-identity's {@code getTokenSync} for every new connection, same short tokens (MSAL4J does not
 *   serve a token that expires within 5 minutes, so every new connection waits for the endpoint): what the
 *   cache saves.</li>
 * </ul>
 * The run fails if any connection was refused for its token.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar RotationBenchmark}
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(5)
@State(Scope.Benchmark)
public class RotationBenchmark {

  static final int BORROWERS = 2;
  static final int WORKERS = 2;
  static final int POOL_SIZE = 2;
  static final int RECYCLE_EVERY_MS = 100;
  static final int ENDPOINT_LATENCY_MS = 50;
  static final int ROTATING_LIFETIME_S = 6;
  static final String BACKEND_ROLE = "mi_bench_backend";

  @Param({"steady", "rotating", "rotatingPerConnectionFetch"})
  public String tokens;

  private LocalManagedIdentityEndpoint endpoint;
  private HikariDataSource pool;
  private ScheduledExecutorService recycler;
  private final AtomicLong recycled = new AtomicLong();
  private long startedNanos;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    try (Postgres postgres = Postgres.connect()) {
      postgres.ensureRole(BACKEND_ROLE);
      String password = Postgres.randomPassword(1400);
      postgres.setPassword(BACKEND_ROLE, password, null);
      BenchDriver.usePostgres(postgres.jdbcUrl(), BACKEND_ROLE, password);
    }
    BenchDriver.accept(BenchDriver.Acceptance.CURRENT_TOKENS);
    BenchDriver.resetCounters();
    Duration lifetime = tokens.equals("steady") ? Duration.ofHours(24) : Duration.ofSeconds(ROTATING_LIFETIME_S);
    endpoint = Endpoints.prepare(lifetime, Duration.ofMillis(ENDPOINT_LATENCY_MS), null);

    if (tokens.equals("rotatingPerConnectionFetch")) {
      TokenCredential credential = Caches.managedIdentityCredential();
      TokenRequestContext request = Caches.request(Endpoints.OSSRDBMS_SCOPE);
      pool = new HikariDataSource();
      pool.setCredentialsProvider(() -> Credentials.of("bench", credential.getTokenSync(request).getToken()));
    } else {
      ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
      ds.setUsername("bench");
      ds.setCredential("managed-identity");
      ds.setTokenFetchTimeout(60_000);
      // a stub driver, not pgjdbc: the library cannot read its URL as pgjdbc would, so it needs the explicit opt-in
      ds.setAllowUnverifiedTransport(true);
      BenchAccess.setTokenRegistry(ds, Caches.newRegistry());
      pool = ds;
    }
    pool.setPoolName("rotation-" + tokens);
    pool.setJdbcUrl(BenchDriver.POSTGRES_URL);
    pool.setDriverClassName(BenchDriver.className());
    pool.setMaximumPoolSize(POOL_SIZE);
    pool.setMinimumIdle(POOL_SIZE);
    pool.setConnectionTimeout(10_000);
    BorrowBenchmark.fill(pool, POOL_SIZE);

    recycler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "recycler");
      t.setDaemon(true);
      return t;
    });
    recycler.scheduleWithFixedDelay(this::recycleOne, RECYCLE_EVERY_MS, RECYCLE_EVERY_MS, TimeUnit.MILLISECONDS);
    startedNanos = System.nanoTime();
  }

  /** Takes one connection out of the pool for good: the pool opens a new one in its place. */
  private void recycleOne() {
    try {
      Connection c = pool.getConnection();
      pool.evictConnection(c);
      recycled.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      // the pool is closing, or could not lend a connection in time: try again next time
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    recycler.shutdownNow();
    recycler.awaitTermination(10, TimeUnit.SECONDS);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    int issued = endpoint.issuedCount();
    pool.close();
    long refused = BenchDriver.refusals();
    System.out.printf("%n# %s: %d s, %d connections recycled, %d physical connections, %d token(s) issued, "
        + "%d refused%n", tokens, seconds, recycled.get(), BenchDriver.connects(), issued, refused);
    TokenSupplyBenchmark.require(refused == 0, refused + " connection(s) refused for their token");
    if (tokens.equals("rotating") && seconds > 3L * ROTATING_LIFETIME_S) {
      TokenSupplyBenchmark.require(issued >= 2, "tokens did not rotate (" + issued + " issued)");
    }
    if (tokens.equals("steady")) {
      TokenSupplyBenchmark.require(issued == 1, "the steady token was fetched " + issued + " times");
    }
  }

  /** Measured: borrow and return, nothing else. */
  @Benchmark
  @Group("rotation")
  @GroupThreads(BORROWERS)
  public Connection getConnection() throws SQLException {
    try (Connection c = pool.getConnection()) {
      return c;
    }
  }

  /** The application's load that keeps the pool busy: borrow, {@code SELECT 1}, return. */
  @Benchmark
  @Group("rotation")
  @GroupThreads(WORKERS)
  public int load() throws SQLException {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
      r.next();
      return r.getInt(1);
    }
  }
}
