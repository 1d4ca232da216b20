package io.github.azuremi.jdbc.bench;

import com.azure.core.credential.TokenRequestContext;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.bench.StampedeBenchmark.Shared;
import io.github.azuremi.jdbc.bench.support.BenchDriver;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.StampedeRound;
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

import java.util.concurrent.TimeUnit;

import static io.github.azuremi.jdbc.bench.StampedeBenchmark.THREADS;

/**
 * 4 (continued). The cold-start stampede of {@link StampedeBenchmark} through a HikariCP pool of
 * {@value StampedeBenchmark#THREADS} connections, started empty (the first {@code getConnection} starts it):
 * <ul>
 *   <li>{@code cachedPool}: ManagedIdentityDataSource;</li>
 *   <li>{@code perConnectionFetchPool}: a HikariDataSource whose credentials provider calls azure-identity's
 *   {@code getTokenSync} for every new connection (how the peers' plugins behave inside a pool).</li>
 * </ul>
 * HikariCP 7.1 opens connections one at a time on its single connection-adder thread and sleeps 30 ms after
 * each, so {@value StampedeBenchmark#THREADS} connections take about 2 s whatever supplies the token; and
 * because the adder is serial, azure-identity's own cache already holds the token after the first
 * connection. Fewer iterations than the direct stampede: each takes ~2 s and the rows differ little.
 *
 * <p>{@code minimumIdle} is {@value StampedeBenchmark#THREADS} too: with {@code minimumIdle} 0, HikariCP 7.1
 * sometimes left the last of 64 simultaneous waiters without a creation task until it timed out (63 of 64
 * connections opened, {@code waiting=0}), for either data source.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar StampedePooledBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(2)
public class StampedePooledBenchmark {

  /** Room for every thread; no connection opened before the stampede. */
  static void pool(HikariDataSource ds) {
    ds.setMaximumPoolSize(THREADS);
    ds.setMinimumIdle(THREADS);
    ds.setInitializationFailTimeout(-1);
    ds.setConnectionTimeout(30_000);
  }

  @State(Scope.Benchmark)
  public static class CachedPool {
    ManagedIdentityDataSource ds;
    StampedeRound round;

    @Setup(Level.Invocation)
    public void arm(Shared shared) throws Exception {
      ds = StampedeBenchmark.managedIdentity(shared, shared.coldStart());
      pool(ds);
      round = new StampedeRound(shared.workers, THREADS, ds::getConnection);
    }

    @TearDown(Level.Invocation)
    public void finish(Shared shared) throws Exception {
      try {
        round.finish();
      } finally {
        ds.close();
      }
      shared.record("cachedPool", true);
    }
  }

  @State(Scope.Benchmark)
  public static class PerConnectionFetchPool {
    HikariDataSource ds;
    StampedeRound round;

    @Setup(Level.Invocation)
    public void arm(Shared shared) throws Exception {
      TokenRequestContext request = Caches.request(shared.coldStartScope());
      ds = new HikariDataSource();
      ds.setPoolName("stampede-per-connection-fetch");
      ds.setJdbcUrl(BenchDriver.STUB_URL);
      ds.setDriverClassName(BenchDriver.className());
      ds.setCredentialsProvider(() -> Credentials.of("bench", shared.credential.getTokenSync(request).getToken()));
      pool(ds);
      round = new StampedeRound(shared.workers, THREADS, ds::getConnection);
    }

    @TearDown(Level.Invocation)
    public void finish(Shared shared) throws Exception {
      try {
        round.finish();
      } finally {
        ds.close();
      }
      shared.record("perConnectionFetchPool", false);
    }
  }

  @Benchmark
  public void cachedPool(CachedPool state) throws InterruptedException {
    state.round.fire();
  }

  @Benchmark
  public void perConnectionFetchPool(PerConnectionFetchPool state) throws InterruptedException {
    state.round.fire();
  }

}
