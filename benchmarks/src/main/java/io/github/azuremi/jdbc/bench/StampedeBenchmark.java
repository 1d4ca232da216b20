package io.github.azuremi.jdbc.bench;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.zaxxer.hikari.util.DriverDataSource;
import io.github.azuremi.jdbc.BenchAccess;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.bench.support.BenchDriver;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.bench.support.StampedeRound;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 4. Cold-start stampede: {@value #THREADS} threads ask for a connection at the same moment, with no token
 * cached anywhere (each invocation uses a token scope never asked for before, so neither this library's
 * cache nor MSAL4J's has it). Measured: the time until every thread has a connection (JMH single-shot
 * time) and the number of requests the managed-identity endpoint received (written to the side file
 * {@code target/jmh/stampede.tsv}, summarised by the report). The endpoint answers after
 * {@value #LATENCY_MS} ms (field reports: 10-30 ms typical).
 * <ul>
 *   <li>{@code cachedDirect}: every thread opens a physical connection through ManagedIdentityDataSource's
 *   login data source (what Hikari's connection adder calls), so all {@value #THREADS} ask the token cache
 *   at once;</li>
 *   <li>{@code perConnectionFetchDirect}: every thread fetches a token with azure-identity's
 *   {@code getTokenSync} and opens a physical connection with it (the pattern of the tutorial, and of the
 *   peers' plugins, which fetch per connection).</li>
 * </ul>
 * The same through a HikariCP pool is {@link StampedePooledBenchmark}.
 * Connections are {@link BenchDriver} stubs (no network) that accept only current tokens of the endpoint, so
 * the time is the token supply's. The {@code cached*} rows fail the run if any stampede sent the endpoint
 * more than one request.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar StampedeBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(3)
public class StampedeBenchmark {

  public static final int THREADS = 64;
  public static final int LATENCY_MS = 20;

  /** The endpoint, one credential, the stampede threads: shared by the invocations of a trial. */
  @State(Scope.Benchmark)
  public static class Shared {
    LocalManagedIdentityEndpoint endpoint;
    TokenCredential credential;
    ExecutorService workers;
    boolean measuring;
    final AtomicInteger tooManyRequests = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
      BenchDriver.accept(BenchDriver.Acceptance.CURRENT_TOKENS);
      endpoint = Endpoints.prepare(Duration.ofHours(24), Duration.ofMillis(LATENCY_MS), null);
      credential = Caches.managedIdentityCredential();
      // class loading and MSAL's first-use set-up are not what this measures
      credential.getTokenSync(Caches.request(Endpoints.unusedScope("warm-up")));
      AtomicInteger n = new AtomicInteger();
      workers = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "stampede-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
      measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      workers.shutdownNow();
      int bad = tooManyRequests.get();
      TokenSupplyBenchmark.require(bad == 0, bad + " stampede(s) on the token cache sent more than one request "
          + "to the managed-identity endpoint");
    }

    /**
     * A cold start: a user-assigned identity nobody asked for before in this JVM (so MSAL's JVM-wide cache
     * has nothing for it), counters at zero. (An unused scope did this before; scopes are now limited to
     * database audiences.)
     */
    String coldStart() {
      Endpoints.prepare(Duration.ofHours(24), Duration.ofMillis(LATENCY_MS), null);
      return java.util.UUID.randomUUID().toString();
    }

    /** A cold start for the baselines that ask the credential directly: a scope nobody asked for before. */
    String coldStartScope() {
      Endpoints.prepare(Duration.ofHours(24), Duration.ofMillis(LATENCY_MS), null);
      return Endpoints.unusedScope("stampede");
    }

    void record(String variant, boolean mustBeSingle) {
      int requests = endpoint.requestCount();
      if (mustBeSingle && requests != 1) {
        tooManyRequests.incrementAndGet();
      }
      String file = System.getenv(Bench.SIDECAR_ENV);
      if (file != null) {
        String line = variant + "\t" + (measuring ? "measurement" : "warmup") + "\t" + requests + "\n";
        try {
          Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        } catch (IOException e) {
          throw new IllegalStateException("cannot write " + file, e);
        }
      }
    }
  }

  static ManagedIdentityDataSource managedIdentity(Shared shared, String clientId) {
    ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
    ds.setPoolName("stampede");
    ds.setJdbcUrl(BenchDriver.STUB_URL);
    ds.setDriverClassName(BenchDriver.className());
    // a stub driver, not pgjdbc: the library cannot read its URL as pgjdbc would, so it needs the explicit opt-in
    ds.setAllowUnverifiedTransport(true);
    ds.setUsername("bench");
    ds.setCredential("managed-identity");
    ds.setManagedIdentityClientId(clientId);
    BenchAccess.setTokenRegistry(ds, Caches.newRegistry());
    return ds;
  }


  @State(Scope.Benchmark)
  public static class CachedDirect {
    ManagedIdentityDataSource ds;
    StampedeRound round;

    @Setup(Level.Invocation)
    public void arm(Shared shared) throws Exception {
      ds = managedIdentity(shared, shared.coldStart());
      ds.validate(); // wires the login data source; the pool never starts
      javax.sql.DataSource login = ds.getDataSource();
      round = new StampedeRound(shared.workers, THREADS, login::getConnection);
    }

    @TearDown(Level.Invocation)
    public void finish(Shared shared) throws Exception {
      try {
        round.finish();
      } finally {
        ds.close();
      }
      shared.record("cachedDirect", true);
    }
  }

  @State(Scope.Benchmark)
  public static class PerConnectionFetchDirect {
    StampedeRound round;

    @Setup(Level.Invocation)
    public void arm(Shared shared) throws Exception {
      TokenRequestContext request = Caches.request(shared.coldStartScope());
      DriverDataSource driver = new DriverDataSource(BenchDriver.STUB_URL, BenchDriver.className(), new Properties(),
          null, null);
      round = new StampedeRound(shared.workers, THREADS,
          () -> open(driver, shared.credential.getTokenSync(request).getToken()));
    }

    private static Connection open(DriverDataSource driver, String token) throws SQLException {
      return driver.getConnection("bench", token);
    }

    @TearDown(Level.Invocation)
    public void finish(Shared shared) throws Exception {
      round.finish();
      shared.record("perConnectionFetchDirect", false);
    }
  }

  @Benchmark
  public void cachedDirect(CachedDirect state) throws InterruptedException {
    state.round.fire();
  }

  @Benchmark
  public void perConnectionFetchDirect(PerConnectionFetchDirect state) throws InterruptedException {
    state.round.fire();
  }
}
