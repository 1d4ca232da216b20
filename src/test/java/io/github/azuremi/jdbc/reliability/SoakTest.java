package io.github.azuremi.jdbc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.lang.management.ManagementFactory;
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
import org.junit.jupiter.api.Test;

/**
 * A bounded soak: PostgreSQL and MySQL at once, 16 query threads, tokens of 20 s, every connection
 * retired every 3 s. Duration: {@code -Dsoak.seconds} (default 120). Reports queries, failures, token
 * fetches against rotations, and thread count and heap after GC at the start and the end.
 */
class SoakTest {

    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(20);

    @Test
    void sixteenThreadsOnTwoDatabasesAcrossManyRotationsLoseNoQueryAndLeakNothing() throws Exception {
        int seconds = Integer.getInteger("soak.seconds", 120);
        LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
        endpoint.reset();
        endpoint.setTokenLifetime(TOKEN_LIFETIME);
        TestDatabase pg = TestDatabases.postgres();
        TestDatabase my = TestDatabases.mysql();
        String pgRole = pg.createTokenRole("mi_soak");
        String myRole = my.createTokenRole("mi_soak");
        String pgClient = UUID.randomUUID().toString();
        String myClient = UUID.randomUUID().toString();
        endpoint.onIssue(t -> {
            if (t.clientId().equals(pgClient)) {
                pg.acceptToken(pgRole, t.accessToken(), t.expiresOn());
            } else if (t.clientId().equals(myClient)) {
                my.acceptToken(myRole, t.accessToken(), t.expiresOn());
            }
        });

        try (ManagedIdentityDataSource pgPool = pool(pg, pgRole, pgClient);
                ManagedIdentityDataSource myPool = pool(my, myRole, myClient)) {
            myPool.addDataSourceProperty("defaultAuthenticationPlugin", "mysql_native_password");
            query(pgPool);
            query(myPool);
            int threadsBefore = liveThreads();
            long heapBefore = heapAfterGc();

            AtomicLong queries = new AtomicLong();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            ExecutorService workers = Executors.newFixedThreadPool(16);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                ManagedIdentityDataSource ds = t % 2 == 0 ? pgPool : myPool;
                futures.add(workers.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            query(ds);
                            queries.incrementAndGet();
                        } catch (SQLException e) {
                            failures.add(e);
                        }
                    }
                }));
            }
            while (System.nanoTime() < end) {
                Thread.sleep(3_000);
                pgPool.getHikariPoolMXBean().softEvictConnections();
                myPool.getHikariPoolMXBean().softEvictConnections();
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            workers.shutdown();
            workers.awaitTermination(10, TimeUnit.SECONDS);

            int threadsAfter = liveThreads();
            long heapAfter = heapAfterGc();
            long pgFetches = endpoint.issuedTokens().stream()
                    .filter(t -> t.clientId().equals(pgClient))
                    .count();
            long myFetches = endpoint.issuedTokens().stream()
                    .filter(t -> t.clientId().equals(myClient))
                    .count();
            // a refresh every 10-11 s of a 20 s token
            long expectedRotations = seconds / 10;
            System.out.printf(
                    "[soak] %d s, 16 threads: queries=%d failures=%d tokenFetches pg=%d mysql=%d "
                            + "(rotations expected ~%d each) threads before=%d after=%d heapAfterGc before=%d MB after=%d MB%n",
                    seconds,
                    queries.get(),
                    failures.size(),
                    pgFetches,
                    myFetches,
                    expectedRotations,
                    threadsBefore,
                    threadsAfter,
                    heapBefore >> 20,
                    heapAfter >> 20);
            assertThat(failures).as("failed queries").isEmpty();
            // A few more than the rotations are expected here, not in Azure: these servers keep one password per
            // role, so while a refresh is under way the server already refuses the token the pool still holds, and a
            // login in that window forces a replacement (seen: up to 4 per 2 minutes). Azure accepts both tokens.
            assertThat(pgFetches).isBetween(expectedRotations - 2, expectedRotations + 6);
            assertThat(myFetches).isBetween(expectedRotations - 2, expectedRotations + 6);
            assertThat(threadsAfter - threadsBefore)
                    .as("thread count does not grow")
                    .isLessThanOrEqualTo(3);
            assertThat(heapAfter - heapBefore).as("heap after GC does not grow").isLessThan(32L << 20);
        }
    }

    private static ManagedIdentityDataSource pool(TestDatabase db, String role, String clientId) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(clientId);
        ds.setMaximumPoolSize(8);
        ds.setConnectionTimeout(10_000);
        return ds;
    }

    private static void query(ManagedIdentityDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }

    private static int liveThreads() throws InterruptedException {
        Thread.sleep(500); // let finished worker threads die
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
