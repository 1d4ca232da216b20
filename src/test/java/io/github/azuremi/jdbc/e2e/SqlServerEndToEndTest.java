package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Azure SQL Database, played by a TDS endpoint in test code that the real mssql-jdbc driver logs in to over
 * TLS (encrypt=strict) with the access-token callback. It accepts only tokens the local managed-identity
 * endpoint issued that have not expired (and not been revoked by the test) and refuses others with SQL
 * Server's login-failed error 18456.
 */
class SqlServerEndToEndTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private FakeTdsServer server;
    private final List<ManagedIdentityDataSource> pools = new ArrayList<>();

    @BeforeEach
    void start() {
        endpoint.reset();
        server = FakeTdsServer.start(this::verify);
    }

    @AfterEach
    void stop() {
        pools.forEach(ManagedIdentityDataSource::close);
        server.close();
    }

    /** The server's view: a token it can trust, for the principal it names. */
    private Optional<String> verify(String token) {
        if (revoked.contains(token)) {
            return Optional.empty();
        }
        return endpoint.issuedTokens().stream()
                .filter(t -> t.accessToken().equals(token) && t.expiresOn().isAfter(Instant.now()))
                .findFirst()
                .map(t -> "mi-" + t.clientId());
    }

    private ManagedIdentityDataSource pool() {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(server.jdbcUrl("app"));
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(UUID.randomUUID().toString());
        ds.setConnectionTimeout(10_000);
        pools.add(ds);
        return ds;
    }

    private static String query(ManagedIdentityDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aPooledDataSourceLogsInWithTheTokenAndNoUserOrPassword() throws SQLException {
        ManagedIdentityDataSource ds = pool();

        assertThat(query(ds, "SELECT 1")).isEqualTo("1");
        assertThat(query(ds, "SELECT SUSER_SNAME()")).isEqualTo("mi-" + ds.getManagedIdentityClientId());

        assertThat(endpoint.requestCount()).isEqualTo(1);
        IssuedToken issued = endpoint.issuedTokens().get(0);
        assertThat(issued.resource()).isEqualTo("https://database.windows.net");
        assertThat(server.logins()).isNotEmpty().allSatisfy(login -> {
            assertThat(login.accepted()).isTrue();
            assertThat(login.path()).isEqualTo(FakeTdsServer.TokenPath.FEDAUTH_TOKEN_MESSAGE);
        });
        assertThat(server.spn()).isEqualTo("https://database.windows.net/");
    }

    @Test
    void aTokenTheServerRefusesIsReplacedOnceAndTheLoginSucceeds() throws SQLException {
        endpoint.setTokenLifetime(Duration.ofMinutes(4)); // below MSAL's 5-minute cache horizon
        ManagedIdentityDataSource ds = pool();
        ds.setMinimumIdle(0);
        query(ds, "SELECT 1");
        revoked.add(endpoint.issuedTokens().get(0).accessToken());
        ds.getHikariPoolMXBean().softEvictConnections();

        assertThat(query(ds, "SELECT SUSER_SNAME()")).isEqualTo("mi-" + ds.getManagedIdentityClientId());

        assertThat(endpoint.requestCount()).isEqualTo(2);
        assertThat(server.refusedLogins()).isEqualTo(1);
    }

    @Test
    void anExpiredTokenIsRefusedByTheServerButNeverSentByThePool() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(4));
        ManagedIdentityDataSource ds = pool();
        ds.setMinimumIdle(0);
        query(ds, "SELECT 1");
        Thread.sleep(4_500); // the first token has expired; the pool must use a new one
        ds.getHikariPoolMXBean().softEvictConnections();

        assertThat(query(ds, "SELECT 1")).isEqualTo("1");
        assertThat(server.refusedLogins()).isZero();
        assertThat(endpoint.requestCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void tokensRotateUnderConcurrentLoadWithConnectionsRecycledAndNoQueryFails() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(8));
        ManagedIdentityDataSource ds = pool();
        ds.setMaximumPoolSize(6);
        query(ds, "SELECT 1");

        long runNanos = TimeUnit.SECONDS.toNanos(20);
        AtomicLong queries = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(workers.submit(() -> {
                while (System.nanoTime() - start < runNanos) {
                    try {
                        query(ds, "SELECT SUSER_SNAME()");
                        queries.incrementAndGet();
                    } catch (SQLException e) {
                        errors.add(e);
                    }
                }
            }));
        }
        while (System.nanoTime() - start < runNanos) {
            Thread.sleep(1_000);
            ds.getHikariPoolMXBean().softEvictConnections();
        }
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        workers.shutdown();

        System.out.printf(
                "[sqlserver rotation] queries=%d failures=%d logins=%d refused=%d endpointRequests=%d%n",
                queries.get(), errors.size(), server.acceptedLogins(), server.refusedLogins(), endpoint.requestCount());
        assertThat(errors).as("failed queries").isEmpty();
        assertThat(server.acceptedLogins()).as("connections were recycled").isGreaterThan(20);
        assertThat(endpoint.requestCount() - 1).as("rotations").isBetween(3, 7);
    }
}
