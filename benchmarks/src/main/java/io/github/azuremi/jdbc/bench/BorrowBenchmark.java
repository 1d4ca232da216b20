package io.github.azuremi.jdbc.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.BenchAccess;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.bench.support.BenchDriver;
import io.github.azuremi.jdbc.bench.support.Caches;
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
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Warmup;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * 2. Borrowing a pooled connection: {@code getConnection()} + {@code close()} of an idle connection, on
 * {@link ManagedIdentityDataSource} and on a plain {@link HikariDataSource} with a static password, both on
 * {@link BenchDriver}'s stub (no network). Same pool settings (8 connections, all idle before measuring).
 * Borrowing never touches the token, so the two should be equal: this shows the token layer is invisible.
 *
 * <p>Both pools are measured at the same time (a JMH group: {@code oneThreadEach} runs one thread on each
 * pool, {@code eightThreadsEach} eight on each), so that both see the same load on this shared machine.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar BorrowBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(5)
@State(Scope.Benchmark)
public class BorrowBenchmark {

  static final int POOL_SIZE = 8;

  private ManagedIdentityDataSource managedIdentity;
  private HikariDataSource plainHikari;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchDriver.accept(BenchDriver.Acceptance.ANY);

    managedIdentity = new ManagedIdentityDataSource();
    managedIdentity.setPoolName("managed-identity");
    managedIdentity.setJdbcUrl(BenchDriver.STUB_URL);
    managedIdentity.setDriverClassName(BenchDriver.className());
    // a stub driver, not pgjdbc: the library cannot read its URL as pgjdbc would, so it needs the explicit opt-in
    managedIdentity.setAllowUnverifiedTransport(true);
    managedIdentity.setUsername("bench");
    managedIdentity.setTokenCredential(Caches.staticCredential());
    BenchAccess.setTokenRegistry(managedIdentity, Caches.newRegistry());
    configure(managedIdentity);

    plainHikari = new HikariDataSource();
    plainHikari.setPoolName("plain-hikari");
    plainHikari.setJdbcUrl(BenchDriver.STUB_URL);
    plainHikari.setDriverClassName(BenchDriver.className());
    plainHikari.setUsername("bench");
    plainHikari.setPassword("static-password");
    configure(plainHikari);

    fill(managedIdentity, POOL_SIZE);
    fill(plainHikari, POOL_SIZE);
  }

  static void configure(HikariDataSource ds) {
    ds.setMaximumPoolSize(POOL_SIZE);
    ds.setMinimumIdle(POOL_SIZE);
    ds.setConnectionTimeout(5_000);
  }

  /** Opens every connection of the pool and waits until all are idle. */
  static void fill(HikariDataSource ds, int size) throws SQLException, InterruptedException {
    List<Connection> held = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      held.add(ds.getConnection());
    }
    for (Connection c : held) {
      c.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ds.getHikariPoolMXBean().getIdleConnections() < size) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(ds.getPoolName() + ": pool did not fill");
      }
      Thread.sleep(10);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    int mi = managedIdentity.getHikariPoolMXBean().getTotalConnections();
    int plain = plainHikari.getHikariPoolMXBean().getTotalConnections();
    managedIdentity.close();
    plainHikari.close();
    TokenSupplyBenchmark.require(mi == POOL_SIZE && plain == POOL_SIZE,
        "the pools opened or lost connections while measuring (" + mi + ", " + plain + ")");
  }

  private static Connection borrow(HikariDataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return c;
    }
  }

  // Each group runs both pools at the same time, each with its own threads, so that both see the same
  // machine (this one is shared and its load drifts): the ratio compares like with like.

  @Benchmark
  @Group("oneThreadEach")
  @GroupThreads(1)
  public Connection managedIdentity() throws SQLException {
    return borrow(managedIdentity);
  }

  @Benchmark
  @Group("oneThreadEach")
  @GroupThreads(1)
  public Connection plainHikari() throws SQLException {
    return borrow(plainHikari);
  }

  @Benchmark
  @Group("eightThreadsEach")
  @GroupThreads(8)
  public Connection managedIdentity8() throws SQLException {
    return borrow(managedIdentity);
  }

  @Benchmark
  @Group("eightThreadsEach")
  @GroupThreads(8)
  public Connection plainHikari8() throws SQLException {
    return borrow(plainHikari);
  }
}
