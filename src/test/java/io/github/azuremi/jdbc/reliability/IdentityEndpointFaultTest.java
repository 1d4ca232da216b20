package io.github.azuremi.jdbc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix of the identity endpoint, each fault once with a valid token cached and once without,
 * through the real ManagedIdentityCredential (MSAL, with its own retries), the real pgjdbc and a real
 * PostgreSQL. Each case prints one line of the matrix: {@code [fault-matrix] ...}.
 */
class IdentityEndpointFaultTest {

    /** Faults after which a request yields no usable token. HUGE_BODY is a valid (if absurd) answer. */
    private static final Set<Fault> FAILING = Set.of(
            Fault.HTTP_500,
            Fault.HTTP_503,
            Fault.HTTP_429_RETRY_AFTER,
            Fault.HTTP_400,
            Fault.HTTP_403,
            Fault.HANG,
            Fault.MALFORMED_JSON,
            Fault.MISSING_ACCESS_TOKEN,
            Fault.MISSING_EXPIRES_ON,
            Fault.EXPIRED_TOKEN,
            Fault.CLOSE_CONNECTION);

    private static final Set<String> FAILING_NAMES = java.util.stream.Stream.concat(
                    FAILING.stream().map(Enum::name), java.util.stream.Stream.of("CONNECTION_REFUSED"))
            .collect(java.util.stream.Collectors.toSet());

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final List<ManagedIdentityDataSource> pools = new ArrayList<>();
    private TestDatabase db;
    private String role;

    /** The fault in force; see {@link #prepare()}. */
    private volatile Fault fault = Fault.NONE;
    /** The identity of this test's pool. */
    private final String clientId = UUID.randomUUID().toString();

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_fault");
        // A token in a faulty answer (no expires_on, already expired) never reaches the application, so the
        // server must not switch to it: these servers keep one password per role, where Azure would go on
        // accepting the previous, still valid token.
        endpoint.onIssue(token -> {
            // only this test's identity: MSAL may still be retrying an earlier test's request in the background
            if (token.clientId().equals(clientId) && (fault == Fault.NONE || fault == Fault.HUGE_BODY)) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
    }

    private void inject(Fault f) {
        fault = f;
        endpoint.setFault(f);
    }

    @AfterEach
    void close() {
        pools.forEach(ManagedIdentityDataSource::close);
        fault = Fault.NONE;
        endpoint.reset();
    }

    /** Loads azure-identity and MSAL once (the first token of a JVM takes seconds), so that timings below are fair. */
    @BeforeAll
    static void warmUp() {
        LocalManagedIdentityEndpoint.shared().reset();
        new com.azure.identity.ManagedIdentityCredentialBuilder()
                .clientId(UUID.randomUUID().toString())
                .build()
                .getTokenSync(new com.azure.core.credential.TokenRequestContext()
                        .addScopes("https://ossrdbms-aad.database.windows.net/.default"));
    }

    private ManagedIdentityDataSource pool() {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(clientId);
        ds.setMaximumPoolSize(4);
        ds.setConnectionTimeout(3_000);
        ds.setTokenFetchTimeout(5_000);
        pools.add(ds);
        return ds;
    }

    private static void query(ManagedIdentityDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
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
        cachedScenario(fault.name(), () -> inject(fault), () -> inject(Fault.NONE));
    }

    @Test
    void connectionRefusedWithAValidTokenCached() throws Exception {
        cachedScenario("CONNECTION_REFUSED", endpoint::refuseConnections, endpoint::acceptConnections);
    }

    @Test
    void connectionRefusedWithoutAToken() throws Exception {
        noTokenScenario("CONNECTION_REFUSED", endpoint::refuseConnections, endpoint::acceptConnections, true);
    }

    private void cachedScenario(String name, Runnable breakIt, Runnable healIt) throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(30));
        ManagedIdentityDataSource ds = pool();
        ds.setConnectionTimeout(10_000);
        ds.setTokenFetchTimeout(15_000);
        ds.setTokenRefreshRatio(0.2); // refresh due after 6-8.4 s; the token stays usable for 27 s
        java.util.concurrent.atomic.AtomicInteger tokensCached = new java.util.concurrent.atomic.AtomicInteger();
        ds.addTokenListener(new io.github.azuremi.jdbc.TokenListener() {
            @Override
            public void onTokenFetched(io.github.azuremi.jdbc.TokenInfo info) {
                tokensCached.incrementAndGet();
            }
        });
        query(ds);
        int requestsBefore = endpoint.requestCount();
        breakIt.run();
        long faultStart = System.nanoTime();

        // 12 s: every refresh from ~6 s on fails, far from the end of the first token (27 s)
        Load load = Load.run(ds, 4, Duration.ofSeconds(12), Duration.ofMillis(500));
        int requestsDuringFault = endpoint.requestCount() - requestsBefore;
        double faultSeconds = (System.nanoTime() - faultStart) / 1e9;

        long tokensBeforeHeal = tokensCached.get();
        healIt.run();
        long healedAt = System.nanoTime();
        long newTokenMs = -1;
        while (System.nanoTime() - healedAt < TimeUnit.SECONDS.toNanos(45)) {
            if (tokensCached.get() > tokensBeforeHeal) {
                newTokenMs = (System.nanoTime() - healedAt) / 1_000_000;
                break;
            }
            Thread.sleep(20);
        }
        long recoveredMs = awaitQueryWorks(ds, Duration.ofSeconds(40));

        System.out.printf(
                "[fault-matrix] fault=%s scenario=valid-token-cached queries=%d failedQueries=%d "
                        + "endpointRequests=%d over %.1fs (%.2f/s) newTokenAfterHealMs=%d%n",
                name,
                load.queries.get(),
                load.errors.size(),
                requestsDuringFault,
                faultSeconds,
                requestsDuringFault / faultSeconds,
                newTokenMs);
        assertThat(load.errors)
                .as("failed queries while a valid token was cached")
                .isEmpty();
        assertThat(load.queries.get()).isGreaterThan(50);
        // (one attempt of ours may be several HTTP requests: MSAL and azure-core each retry 5xx and 429)
        assertThat(requestsDuringFault / faultSeconds)
                .as("endpoint requests per second")
                .isLessThanOrEqualTo(3.0);
        assertThat(recoveredMs).as("queries work after the fault").isGreaterThanOrEqualTo(0);
        if (FAILING_NAMES.contains(name)) {
            assertThat(newTokenMs)
                    .as("the cache gets a new token by itself once the endpoint heals")
                    .isGreaterThanOrEqualTo(0);
        }
    }

    /**
     * A new pool while the endpoint fails: 8 threads keep asking for connections for 6 s. Each call fails
     * within its timeout with a message that names the cause; the endpoint is not hammered; once the
     * endpoint heals, connections work again without any intervention.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Fault.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void withoutATokenCallersFailWithinTheirTimeoutAndRecoveryIsAutomatic(Fault fault) throws Exception {
        noTokenScenario(fault.name(), () -> inject(fault), () -> inject(Fault.NONE), FAILING.contains(fault));
    }

    private void noTokenScenario(String name, Runnable breakIt, Runnable healIt, boolean failing) throws Exception {
        breakIt.run();
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

        healIt.run();
        long recoveredMs = awaitQueryWorks(ds, Duration.ofSeconds(40));

        System.out.printf(
                "[fault-matrix] fault=%s scenario=no-token calls=%d failedCalls=%d slowestCallMs=%d "
                        + "endpointRequests=%d over 6s recoveredAfterHealMs=%d firstMessage=%s%n",
                name,
                callMillis.size(),
                messages.size(),
                slowest,
                requests,
                recoveredMs,
                messages.isEmpty()
                        ? "-"
                        : messages.get(0)
                                .substring(0, Math.min(240, messages.get(0).length())));
        assertThat(slowest)
                .as("no caller waits much past connectionTimeout (3 s)")
                .isLessThan(4_500);
        // (a request that hangs holds MSAL's connection; the recovery time then includes its HTTP timeout)
        assertThat(requests).as("the endpoint is not hammered").isLessThanOrEqualTo(20);
        assertThat(recoveredMs).as("recovery is automatic").isGreaterThanOrEqualTo(0);
        if (failing) {
            assertThat(successes.get()).isZero();
            assertThat(messages)
                    .isNotEmpty()
                    .allSatisfy(m -> assertThat(m)
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

        static Load run(ManagedIdentityDataSource ds, int threads, Duration duration, Duration evictEvery)
                throws Exception {
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
