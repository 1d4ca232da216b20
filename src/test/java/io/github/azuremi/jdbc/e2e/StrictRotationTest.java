package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.PoolStats;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9's strict rotation, end to end: an endpoint that invalidates the previous token when it issues a
 * new one (the real PostgreSQL keeps one password per role, and the endpoint sets it before it answers) and
 * takes 400 ms to answer. While a refresh is in flight, the database already refuses the token the pool
 * holds, so every login in that window is refused once; each must join the refresh in flight (no extra
 * request) and wait at most for its remainder.
 */
class StrictRotationTest {

    private static final Duration LATENCY = Duration.ofMillis(400);
    private static final Duration LIFETIME = Duration.ofSeconds(10);
    private static final Duration RUN = Duration.ofSeconds(30);

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private ManagedIdentityDataSource ds;

    @AfterEach
    void tearDown() {
        if (ds != null) {
            ds.close();
        }
        endpoint.reset();
    }

    @Test
    void underStrictRotationEveryRequestIsARefreshThatWasDueAndNoLoginWaitsLongerThanTheRefreshInFlight()
            throws Exception {
        endpoint.reset();
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_strict");
        String clientId = UUID.randomUUID().toString();
        endpoint.onIssue(token -> {
            if (token.clientId().equals(clientId)) {
                db.acceptToken(role, token.accessToken(), token.expiresOn()); // the previous token stops working now
            }
        });
        endpoint.setTokenLifetime(LIFETIME);
        endpoint.setLatency(LATENCY);

        List<TokenInfo> fetched = new CopyOnWriteArrayList<>();
        List<Long> creationMillis = new CopyOnWriteArrayList<>();
        ds = new ManagedIdentityDataSource();
        ds.setPoolName("strict-rotation");
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(clientId);
        ds.setMaximumPoolSize(8);
        ds.setConnectionTimeout(10_000);
        ds.setMetricsTrackerFactory(new CreationTimes(creationMillis));
        ds.addTokenListener(new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                fetched.add(info);
            }
        });
        query(ds);

        AtomicLong queries = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(16);
        long end = System.nanoTime() + RUN.toNanos();
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            running.add(workers.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        query(ds);
                        queries.incrementAndGet();
                    } catch (SQLException e) {
                        errors.add(e);
                    }
                }
            }));
        }
        while (System.nanoTime() < end) {
            Thread.sleep(1_000);
            ds.getHikariPoolMXBean().softEvictConnections(); // retire every connection each second
        }
        for (Future<?> f : running) {
            f.get(60, TimeUnit.SECONDS);
        }
        workers.shutdown();

        // a refresh may be on its way when the run ends: the endpoint counts it on arrival, the listener on its answer
        // (LATENCY later); wait until no request is in flight before comparing the two
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (endpoint.requestCount() != fetched.size() && System.nanoTime() < settle) {
            Thread.sleep(20);
        }
        int requests = endpoint.requestCount();
        long rotations = fetched.stream().filter(TokenInfo::refresh).count();
        long slowCreations = creationMillis.stream().filter(ms -> ms > 300).count();
        long slowest = creationMillis.stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.printf(
                "[strict-rotation] queries=%d failures=%d endpointRequests=%d rotations=%d creations=%d "
                        + "over300ms=%d slowestCreationMs=%d%n",
                queries.get(), errors.size(), requests, rotations, creationMillis.size(), slowCreations, slowest);

        assertThat(errors).as("failed queries").isEmpty();
        assertThat(requests)
                .as("endpoint requests = rotations + the first token")
                .isEqualTo(rotations + 1);
        assertThat(fetched).hasSize(requests);
        for (int i = 1; i < fetched.size(); i++) {
            // each request was the refresh that was due, never one forced by a refused login
            assertThat(fetched.get(i).fetchedAt())
                    .as("request %d started at the refresh point of token %d", i + 1, i)
                    .isAfterOrEqualTo(fetched.get(i - 1).refreshAt().minusMillis(50));
        }
        assertThat(rotations).as("30 s of 10 s tokens refreshed after 5-5.5 s").isBetween(4L, 7L);
        // a login refused during the refresh waits for the refresh's remainder (at most 400 ms) plus its retry
        assertThat(slowest).as("slowest physical connection creation (ms)").isLessThan(LATENCY.toMillis() + 800);
    }

    private static void query(ManagedIdentityDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    /** Hikari's own measure of each physical connection creation (login included). */
    private record CreationTimes(List<Long> millis) implements MetricsTrackerFactory {
        @Override
        public IMetricsTracker create(String poolName, PoolStats poolStats) {
            return new IMetricsTracker() {
                @Override
                public void recordConnectionCreatedMillis(long connectionCreatedMillis) {
                    millis.add(connectionCreatedMillis);
                }
            };
        }
    }
}
