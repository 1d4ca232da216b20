package io.github.azuremi.jdbc.demo;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The library's main job on a machine with only a JDK and Maven: an embedded PostgreSQL that checks every
 * token as a password, a local managed-identity endpoint issuing 30-second tokens, and a
 * ManagedIdentityDataSource under concurrent load for a minute, with connections recycled so that new
 * logins keep happening across token rotations. Prints each token refresh as it happens and a summary.
 *
 * <pre>mvn -q test-compile exec:exec@demo            (60 s; -Ddemo.seconds=N to change)</pre>
 *
 * MSAL, inside azure-identity, reads the managed-identity endpoint from the process environment; so this
 * program starts itself again in a child JVM whose environment points at the local endpoint, exactly as
 * App Service does for an application.
 */
public final class Demo {

    private static final int THREADS = 8;
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        if (System.getenv("IDENTITY_ENDPOINT") == null) {
            System.exit(relaunchWithIdentityEndpoint(args));
        }
        int seconds = Integer.getInteger("demo.seconds", 60);
        new Demo().run(seconds);
        System.exit(0);
    }

    /** Starts this class in a child JVM whose environment names a free local port as the identity endpoint. */
    private static int relaunchWithIdentityEndpoint(String[] args) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Ddemo.seconds=" + Integer.getInteger("demo.seconds", 60),
                "-Dlogback.configurationFile=logback-demo.xml",
                Demo.class.getName()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder child = new ProcessBuilder(command).inheritIO();
        child.environment().put("IDENTITY_ENDPOINT", "http://127.0.0.1:" + port + LocalManagedIdentityEndpoint.PATH);
        child.environment().put("IDENTITY_HEADER", UUID.randomUUID().toString());
        return child.start().waitFor();
    }

    private void run(int seconds) throws Exception {
        long t0 = System.nanoTime();
        say(t0, "starting an embedded PostgreSQL ...");
        Path dataDir = Files.createTempDirectory("mids-demo-pg");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(true)
                .start()) {
            requirePasswordsOnTcp(pg, dataDir);
            TestDatabase db = TestDatabases.postgresAt(
                    pg.getJdbcUrl("postgres", "postgres").replace("localhost", "127.0.0.1"));
            String role = db.createTokenRole("demo_app");

            LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
            endpoint.reset();
            endpoint.setTokenLifetime(TOKEN_LIFETIME);
            endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
            say(
                    t0,
                    "PostgreSQL on port " + pg.getPort() + " (role " + role
                            + " must log in with a token); identity endpoint " + endpoint.url() + " issuing "
                            + TOKEN_LIFETIME.toSeconds() + " s tokens");

            AtomicInteger connectionsOpened = new AtomicInteger();
            AtomicInteger tokensFetched = new AtomicInteger();
            try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
                ds.setPoolName("demo");
                ds.setJdbcUrl(db.jdbcUrl());
                ds.setUsername(role);
                ds.setCredential("managed-identity");
                ds.setMaximumPoolSize(THREADS);
                ds.setMaxLifetime(60_000); // besides the soft evictions below, connections are replaced every minute
                ds.setKeepaliveTime(0); // (Hikari's 2 min default would exceed maxLifetime and warn)
                ds.setMetricsTrackerFactory((pool, stats) -> new IMetricsTracker() {
                    @Override
                    public void recordConnectionCreatedMillis(long millis) {
                        connectionsOpened.incrementAndGet();
                    }
                });
                ds.addTokenListener(new TokenListener() {
                    @Override
                    public void onTokenFetched(TokenInfo info) {
                        tokensFetched.incrementAndGet();
                        say(
                                t0,
                                (info.refresh() ? "token refreshed" : "token fetched") + " in "
                                        + info.latency().toMillis() + " ms: expires " + at(t0, info.expiresAt())
                                        + ", next refresh " + at(t0, info.refreshAt()));
                    }

                    @Override
                    public void onTokenFetchFailed(TokenFetchFailure failure) {
                        say(
                                t0,
                                "token request failed (" + failure.consecutiveFailures() + " in a row), retry in "
                                        + failure.nextAttemptIn().toMillis() + " ms");
                    }
                });

                Load load = new Load(ds, seconds);
                say(
                        t0,
                        THREADS + " threads query for " + seconds + " s; every 5 s all connections are retired "
                                + "(soft eviction), so new logins keep happening across token rotations");
                load.run(() -> ds.getHikariPoolMXBean().softEvictConnections());

                long[] latencies = load.latencies();
                System.out.printf(
                        "%nSUMMARY tokens fetched=%d (endpoint requests=%d), connections opened=%d, queries=%d, "
                                + "failures=%d, getConnection p50=%.1f us p99=%.1f us (over %d s)%n",
                        tokensFetched.get(),
                        endpoint.requestCount(),
                        connectionsOpened.get(),
                        load.queries(),
                        load.failures(),
                        percentile(latencies, 0.50) / 1e3,
                        percentile(latencies, 0.99) / 1e3,
                        seconds);
                if (load.failures() > 0) {
                    System.exit(1);
                }
            }
        }
    }

    /** Embedded PostgreSQL trusts everyone; make roles other than postgres prove their token over TCP. */
    private static void requirePasswordsOnTcp(EmbeddedPostgres pg, Path dataDir) throws Exception {
        Files.writeString(
                dataDir.resolve("pg_hba.conf"),
                String.join(
                        "\n",
                        "local all all trust",
                        "host all postgres 127.0.0.1/32 trust",
                        "host all postgres ::1/128 trust",
                        "host all all 127.0.0.1/32 scram-sha-256",
                        "host all all ::1/128 scram-sha-256",
                        ""));
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        }
    }

    private static final class Load {
        private final ManagedIdentityDataSource ds;
        private final int seconds;
        private final AtomicLong queries = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final List<long[]> perThread = new ArrayList<>();
        private final int[] counts = new int[THREADS];

        Load(ManagedIdentityDataSource ds, int seconds) {
            this.ds = ds;
            this.seconds = seconds;
        }

        void run(Runnable everyFiveSeconds) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            for (int t = 0; t < THREADS; t++) {
                long[] samples = new long[2_000_000];
                perThread.add(samples);
                int thread = t;
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        try (Connection c = ds.getConnection()) {
                            long took = System.nanoTime() - start;
                            if (counts[thread] < samples.length) {
                                samples[counts[thread]++] = took;
                            }
                            try (Statement s = c.createStatement();
                                    ResultSet rs = s.executeQuery("SELECT current_user, now()")) {
                                rs.next();
                            }
                            queries.incrementAndGet();
                        } catch (Exception e) {
                            failures.incrementAndGet();
                            System.out.println("query failed: " + e.getMessage());
                        }
                    }
                });
            }
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                everyFiveSeconds.run();
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }

        long queries() {
            return queries.get();
        }

        long failures() {
            return failures.get();
        }

        long[] latencies() {
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int t = 0; t < THREADS; t++) {
                System.arraycopy(perThread.get(t), 0, all, at, counts[t]);
                at += counts[t];
            }
            Arrays.sort(all);
            return all;
        }
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String at(long t0, Instant instant) {
        long nowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long deltaMs = Duration.between(Instant.now(), instant).toMillis();
        return String.format("t+%.1fs", (nowMs + deltaMs) / 1000.0);
    }

    private static void say(long t0, String message) {
        System.out.printf("[t+%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
    }
}
