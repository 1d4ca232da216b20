package io.github.azuremi.jdbc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults on the database side: the token layer must not make them worse. */
class DatabaseFaultTest {

    /** A command that restarts the PostgreSQL of the tests (set by .ci/run); without it, all sessions are killed. */
    static final String RESTART_COMMAND_ENV = "MIDS_TEST_POSTGRES_RESTART_COMMAND";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final List<ManagedIdentityDataSource> pools = new ArrayList<>();
    private TestDatabase db;
    private String role;

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_dbfault");
    }

    @AfterEach
    void close() {
        pools.forEach(ManagedIdentityDataSource::close);
    }

    private ManagedIdentityDataSource pool() {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(UUID.randomUUID().toString());
        ds.setMaximumPoolSize(4);
        ds.setConnectionTimeout(2_000);
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

    @Test
    void theDatabaseRestartsUnderLoadAndThePoolRecoversWithoutAnyExtraToken() throws Exception {
        ManagedIdentityDataSource ds = pool();
        ds.setConnectionTimeout(10_000);
        endpoint.onIssue(token -> {
            if (token.clientId().equals(ds.getManagedIdentityClientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        query(ds);

        AtomicLong queries = new AtomicLong();
        List<Long> failedAtMs = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(14);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            futures.add(workers.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        query(ds);
                        queries.incrementAndGet();
                    } catch (SQLException e) {
                        failedAtMs.add((System.nanoTime() - start) / 1_000_000);
                    }
                }
            }));
        }
        Thread.sleep(3_000);
        long disruptedAtMs = (System.nanoTime() - start) / 1_000_000;
        String how = restartOrKillSessions();
        long lastQueriesCheck = queries.get();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        workers.shutdown();
        long lastFailureMs =
                failedAtMs.stream().mapToLong(Long::longValue).max().orElse(disruptedAtMs);

        System.out.printf(
                "[db-fault] %s under load: queries=%d failedQueries=%d recoveredWithinMs=%d " + "endpointRequests=%d%n",
                how, queries.get(), failedAtMs.size(), lastFailureMs - disruptedAtMs, endpoint.requestCount());
        assertThat(queries.get()).isGreaterThan(lastQueriesCheck);
        assertThat(lastFailureMs - disruptedAtMs)
                .as("the pool recovers within seconds")
                .isLessThan(8_000);
        assertThat(endpoint.requestCount())
                .as("connection errors are not token errors: no token was fetched")
                .isEqualTo(1);
        query(ds);
    }

    private String restartOrKillSessions() throws Exception {
        String command = System.getenv(RESTART_COMMAND_ENV);
        if (command != null && !command.isBlank()) {
            Process p = new ProcessBuilder("sh", "-c", command)
                    .redirectErrorStream(true)
                    .start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("restart command failed: " + command + ": " + output);
            }
            return "restart (" + command + ")";
        }
        try (Connection admin = db.adminConnection();
                Statement s = admin.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
        }
        return "all sessions terminated (set " + RESTART_COMMAND_ENV + " for a real restart)";
    }

    @Test
    void aServerThatKeepsRefusingTheTokenCausesNoRetryStorm() throws Exception {
        // The endpoint issues tokens, but the server never learns of them: the identity has no role mapping.
        // Tokens of 4 minutes, so that MSAL does not serve a replacement from its cache: each forced refresh
        // is a real request here.
        endpoint.setTokenLifetime(java.time.Duration.ofMinutes(4));
        ManagedIdentityDataSource ds = pool();
        ds.setInitializationFailTimeout(-1);
        ds.setConnectionTimeout(5_000);
        List<String> messages = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(workers.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        query(ds);
                    } catch (SQLException e) {
                        messages.add(e.getMessage());
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        workers.shutdown();

        System.out.printf(
                "[db-fault] server keeps refusing for 10 s with 8 threads: failedCalls=%d endpointRequests=%d%n",
                messages.size(), endpoint.requestCount());
        // (a caller whose wait ends while a login is still under way is told the state of the token instead)
        assertThat(messages)
                .isNotEmpty()
                .anySatisfy(m -> assertThat(m).contains("not mapped to this database user"))
                .allSatisfy(m -> assertThat(m).containsAnyOf("not mapped to this database user", "access token"));
        // one token, and at most one replacement per 5 s
        assertThat(endpoint.requestCount()).isBetween(2, 4);
    }
}
