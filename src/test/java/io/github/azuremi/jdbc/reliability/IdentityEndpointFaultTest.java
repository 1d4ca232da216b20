package io.github.azuremi.jdbc.reliability;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault matrix of the identity endpoint, each fault once with a valid token cached and once without,
 * through the real ManagedIdentityCredential (MSAL, with its own retries), the real pgjdbc and a real
 * PostgreSQL. Each case prints one line of the matrix: {@code [fault-matrix] ...}.
 */
class IdentityEndpointFaultTest {

  /** Faults after which a request yields no usable token. HUGE_BODY is a valid (if absurd) answer. */
  private static final Set<Fault> FAILING = Set.of(Fault.HTTP_500, Fault.HTTP_503, Fault.HTTP_429_RETRY_AFTER,
      Fault.HTTP_400, Fault.HTTP_403, Fault.HANG, Fault.MALFORMED_JSON, Fault.MISSING_ACCESS_TOKEN,
      Fault.MISSING_EXPIRES_ON, Fault.EXPIRED_TOKEN, Fault.CLOSE_CONNECTION);

  private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
  private final List<ManagedIdentityDataSource> pools = new ArrayList<>();
  private TestDatabase db;
  private String role;

  @BeforeEach
  void prepare() {
    endpoint.reset();
    db = TestDatabases.postgres();
    role = db.createTokenRole("mi_fault");
    endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
  }

  @AfterEach
  void close() {
    pools.forEach(ManagedIdentityDataSource::close);
    endpoint.reset();
  }

  private ManagedIdentityDataSource pool() {
    ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
    ds.setJdbcUrl(db.jdbcUrl());
    ds.setUsername(role);
    ds.setCredential("managed-identity");
    ds.setManagedIdentityClientId(UUID.randomUUID().toString());
    ds.setMaximumPoolSize(4);
    ds.setConnectionTimeout(3_000);
    ds.setTokenFetchTimeout(5_000);
    pools.add(ds);
    return ds;
  }

  private static void query(ManagedIdentityDataSource ds) throws SQLException {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
    }
  }

  /**
   * Tokens of 10 s (refresh due after 5-5.5 s, usable for 9 s). The fault starts right after the first
   * token; 4 threads query for 8 s while connections are retired every 0.5 s, so new logins happen all
   * through the failing refreshes. Then the endpoint heals and the cache must get a new token by itself.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void withAValidTokenCachedLoadContinuesAndTheCacheHealsByItself(Fault fault) throws Exception {
    endpoint.setTokenLifetime(Duration.ofSeconds(12));
    ManagedIdentityDataSource ds = pool();
    query(ds);
    java.time.Instant expiresOn = endpoint.issuedTokens().get(endpoint.issuedTokens().size() - 1).expiresOn();
    int requestsBefore = endpoint.requestCount();
    endpoint.setFault(fault);
    long faultStart = System.nanoTime();

    // until 2 s before the first token stops being usable (12 s - 1.2 s margin): refreshes fail from ~6 s on
    Duration loadFor = Duration.between(java.time.Instant.now(), expiresOn.minusMillis(3_200));
    Load load = Load.run(ds, 4, loadFor, Duration.ofMillis(500));
    int requestsDuringFault = endpoint.requestCount() - requestsBefore;
    double faultSeconds = (System.nanoTime() - faultStart) / 1e9;

    endpoint.setFault(Fault.NONE);
    long recoveredMs = awaitQueryWorks(ds, Duration.ofSeconds(40));

    System.out.printf("[fault-matrix] fault=%s scenario=valid-token-cached queries=%d failedQueries=%d "
            + "endpointRequests=%d over %.1fs (%.2f/s) recoveredAfterHealMs=%d%n", fault, load.queries.get(),
        load.errors.size(), requestsDuringFault, faultSeconds, requestsDuringFault / faultSeconds, recoveredMs);
    assertThat(load.errors).as("failed queries while a valid token was cached").isEmpty();
    assertThat(load.queries.get()).isGreaterThan(50);
    assertThat(requestsDuringFault / faultSeconds).as("endpoint requests per second").isLessThanOrEqualTo(3.0);
    assertThat(recoveredMs).as("the cache heals by itself").isGreaterThanOrEqualTo(0);
  }

  /**
   * A new pool while the endpoint fails: 8 threads keep asking for connections for 6 s. Each call fails
   * within its timeout with a message that names the cause; the endpoint is not hammered; once the
   * endpoint heals, connections work again without any intervention.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Fault.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void withoutATokenCallersFailWithinTheirTimeoutAndRecoveryIsAutomatic(Fault fault) throws Exception {
    endpoint.setFault(fault);
    ManagedIdentityDataSource ds = pool();
    ds.setInitializationFailTimeout(-1); // start the pool even though no connection can be opened yet

    List<Long> callMillis = new CopyOnWriteArrayList<>();
    List<String> messages = new CopyOnWriteArrayList<>();
    AtomicLong successes = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      futures.add(threads.submit(() -> {
        while (System.nanoTime() < end) {
          long start = System.nanoTime();
          try {
            query(ds);
            successes.incrementAndGet();
          } catch (SQLException e) {
            messages.add(String.valueOf(e.getMessage()));
          }
          callMillis.add((System.nanoTime() - start) / 1_000_000);
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    threads.shutdown();
    int requests = endpoint.requestCount();
    long slowest = callMillis.stream().mapToLong(Long::longValue).max().orElse(0);

    endpoint.setFault(Fault.NONE);
    long recoveredMs = awaitQueryWorks(ds, Duration.ofSeconds(40));

    System.out.printf("[fault-matrix] fault=%s scenario=no-token calls=%d failedCalls=%d slowestCallMs=%d "
            + "endpointRequests=%d over 6s recoveredAfterHealMs=%d firstMessage=%s%n", fault, callMillis.size(),
        messages.size(), slowest, requests, recoveredMs,
        messages.isEmpty() ? "-" : messages.get(0).substring(0, Math.min(240, messages.get(0).length())));
    assertThat(slowest).as("no caller waits much past connectionTimeout (3 s)").isLessThan(4_500);
    // (a request that hangs holds MSAL's connection; the recovery time then includes its HTTP timeout)
    assertThat(requests).as("the endpoint is not hammered").isLessThanOrEqualTo(20);
    assertThat(recoveredMs).as("recovery is automatic").isGreaterThanOrEqualTo(0);
    if (FAILING.contains(fault)) {
      assertThat(successes.get()).isZero();
      assertThat(messages).isNotEmpty().allSatisfy(m -> assertThat(m)
          .contains("ManagedIdentityCredential")
          .contains("https://ossrdbms-aad.database.windows.net/.default"));
    }
  }

  /** Milliseconds until a query works again after the endpoint healed, or -1 if it did not within the timeout. */
  private static long awaitQueryWorks(ManagedIdentityDataSource ds, Duration timeout) {
    long healedAt = System.nanoTime();
    while (System.nanoTime() - healedAt < timeout.toNanos()) {
      try {
        query(ds);
        return (System.nanoTime() - healedAt) / 1_000_000;
      } catch (SQLException e) {
        // still backing off after the failures: the cache retries by itself; we only watch
      }
    }
    return -1;
  }

  /** Threads querying for a while, with all connections retired at an interval. */
  static final class Load {
    final AtomicLong queries = new AtomicLong();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    static Load run(ManagedIdentityDataSource ds, int threads, Duration duration, Duration evictEvery) throws Exception {
      Load load = new Load();
      ExecutorService workers = Executors.newFixedThreadPool(threads);
      long end = System.nanoTime() + duration.toNanos();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(workers.submit(() -> {
          while (System.nanoTime() < end) {
            try {
              query(ds);
              load.queries.incrementAndGet();
            } catch (SQLException e) {
              load.errors.add(e);
            }
          }
        }));
      }
      while (System.nanoTime() < end) {
        Thread.sleep(evictEvery.toMillis());
        ds.getHikariPoolMXBean().softEvictConnections();
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      workers.shutdown();
      return load;
    }
  }
}
