package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * What must hold for every database, end to end: the real azure-identity credential (MSAL reads
 * IDENTITY_ENDPOINT/IDENTITY_HEADER of this JVM, which surefire points at the local endpoint), the real
 * driver and the real server, which accepts exactly the token the endpoint issued last (and, for
 * PostgreSQL, only until it expires). No test hook in the library is used.
 */
abstract class EndToEndContract {

    protected final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    protected TestDatabase db;
    protected String role;
    private final List<ManagedIdentityDataSource> pools = new ArrayList<>();
    private final java.util.Set<String> clientIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The server under test. */
    protected abstract TestDatabase database();

    /** The SQL that returns the current user's name (as the server prints it). */
    protected abstract String currentUserSql();

    /** The expected value of {@link #currentUserSql()} for {@code role}. */
    protected abstract String expectedCurrentUser(String role);

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = database();
        role = db.createTokenRole("mi_app");
        // The server, not the test, decides whether a login is valid: the endpoint makes it accept each token
        // it issues to this test's identities, before the client receives it. (Only this test's: MSAL may still
        // be retrying a request of an earlier test in the background, and these servers keep one password per role.)
        endpoint.onIssue(token -> {
            if (clientIds.contains(token.clientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
    }

    @AfterEach
    void closePools() {
        pools.forEach(ManagedIdentityDataSource::close);
    }

    /** A pool of a fresh user-assigned identity, so that each test has its own token key and MSAL cache. */
    protected ManagedIdentityDataSource pool(String credential) {
        return pool(credential, UUID.randomUUID().toString());
    }

    protected ManagedIdentityDataSource pool(String credential, String clientId) {
        clientIds.add(clientId);
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential(credential);
        ds.setManagedIdentityClientId(clientId);
        ds.setConnectionTimeout(10_000);
        pools.add(ds);
        return ds;
    }

    protected String currentUser(ManagedIdentityDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(currentUserSql())) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void logsInWithTheManagedIdentityCredentialAndReadsTheCurrentUser() throws SQLException {
        ManagedIdentityDataSource ds = pool("managed-identity");

        assertThat(currentUser(ds)).isEqualTo(expectedCurrentUser(role));

        assertThat(endpoint.requestCount()).isEqualTo(1);
        assertThat(endpoint.issuedTokens().get(0).clientId()).isEqualTo(ds.getManagedIdentityClientId());
        assertThat(endpoint.issuedTokens().get(0).resource()).isEqualTo("https://ossrdbms-aad.database.windows.net");
    }

    @Test
    void logsInWithDefaultAzureCredentialToo() throws SQLException {
        ManagedIdentityDataSource ds = pool("default");
        assertThat(currentUser(ds)).isEqualTo(expectedCurrentUser(role));
        assertThat(endpoint.requestCount()).isEqualTo(1);
    }

    @Test
    void aPoolOfSeveralConnectionsUsesOneToken() throws Exception {
        ManagedIdentityDataSource ds = pool("managed-identity");
        ds.setMaximumPoolSize(5);
        ds.setMinimumIdle(5);
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                held.add(ds.getConnection());
            }
            for (Connection c : held) {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(currentUserSql())) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo(expectedCurrentUser(role));
                }
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        assertThat(ds.getHikariPoolMXBean().getTotalConnections()).isEqualTo(5);
        assertThat(endpoint.requestCount()).isEqualTo(1);
    }

    @Test
    void twoPoolsOfTheSameIdentityShareOneToken() throws SQLException {
        String clientId = UUID.randomUUID().toString();
        ManagedIdentityDataSource first = pool("managed-identity", clientId);
        ManagedIdentityDataSource second = pool("managed-identity", clientId);

        currentUser(first);
        currentUser(second);

        assertThat(endpoint.requestCount()).isEqualTo(1);
        assertThat(second.getTokenDescription()).isEqualTo(first.getTokenDescription());
    }

    @Test
    void theServerRefusesATokenTheEndpointDidNotIssue() {
        ManagedIdentityDataSource ds = pool("managed-identity");
        ds.setManagedIdentityClientId(null);
        ds.setCredential((String) null);
        TokenCredential forged = request -> Mono.just(
                new AccessToken("eyJforged.eyJforged.c2ln", OffsetDateTime.now().plusHours(1)));
        ds.setTokenCredential(forged);

        assertThatThrownBy(() -> currentUser(ds))
                .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                .hasMessageContaining("refused a current access token")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("eyJforged"));
    }

    /**
     * Tokens of 4 minutes here: MSAL (inside azure-identity) serves a managed-identity token from its own cache
     * until 5 minutes before expiry, so for day-long tokens a "fresh" token is the same one (see
     * {@link #aRevokedTokenThatTheCredentialStillCachesIsNotRetriedInALoop}).
     */
    @Test
    void aCachedTokenTheServerNoLongerAcceptsIsReplacedOnceAndTheLoginSucceeds() throws Exception {
        endpoint.setTokenLifetime(Duration.ofMinutes(4));
        ManagedIdentityDataSource ds = pool("managed-identity");
        ds.setMaximumPoolSize(2);
        ds.setMinimumIdle(0);
        assertThat(currentUser(ds)).isEqualTo(expectedCurrentUser(role));
        assertThat(endpoint.requestCount()).isEqualTo(1);

        // The token is revoked behind the pool's back, and its connections are retired.
        db.acceptToken(
                role, "revoked-" + UUID.randomUUID(), java.time.Instant.now().plusSeconds(600));
        ds.getHikariPoolMXBean().softEvictConnections();

        assertThat(currentUser(ds)).isEqualTo(expectedCurrentUser(role));
        assertThat(endpoint.requestCount()).as("exactly one fresh token").isEqualTo(2);
    }

    @Test
    void aRevokedTokenThatTheCredentialStillCachesIsNotRetriedInALoop() throws Exception {
        endpoint.setTokenLifetime(Duration.ofHours(24));
        ManagedIdentityDataSource ds = pool("managed-identity");
        ds.setMinimumIdle(0);
        ds.setConnectionTimeout(2_000);
        currentUser(ds);
        db.acceptToken(
                role, "revoked-" + UUID.randomUUID(), java.time.Instant.now().plusSeconds(600));
        ds.getHikariPoolMXBean().softEvictConnections();

        assertThatThrownBy(() -> currentUser(ds))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("refused a current access token")
                .hasMessageContaining("not mapped to this database user");
        assertThat(endpoint.requestCount())
                .as("MSAL served the forced refresh from its cache")
                .isEqualTo(1);
    }

    /**
     * Tokens of 8 s, refreshed at 4-4.4 s; 8 threads query for 25 s while every connection is retired each
     * second, so new physical connections keep logging in across every rotation. Each new token
     * invalidates the previous one at the server (one password per role), so a login with a stale token
     * would fail: there must be none that reach the application.
     */
    @Test
    void tokensRotateUnderConcurrentLoadWithConnectionsRecycledAndNoQueryFails() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(8));
        ManagedIdentityDataSource ds = pool("managed-identity");
        ds.setMaximumPoolSize(6);
        ds.setMinimumIdle(2);
        currentUser(ds);

        long runNanos = TimeUnit.SECONDS.toNanos(25);
        AtomicLong queries = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(workers.submit(() -> {
                while (System.nanoTime() - start < runNanos) {
                    try (Connection c = ds.getConnection();
                            Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery(currentUserSql())) {
                        rs.next();
                        queries.incrementAndGet();
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        errors.add(e);
                    }
                }
            }));
        }
        int evictions = 0;
        while (System.nanoTime() - start < runNanos) {
            Thread.sleep(1_000);
            ds.getHikariPoolMXBean().softEvictConnections();
            evictions++;
        }
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        workers.shutdown();

        int requests = endpoint.requestCount();
        int rotations = requests - 1;
        System.out.printf(
                "[%s rotation] queries=%d failures=%d evictions=%d endpointRequests=%d rotations=%d%n",
                db.kind(), queries.get(), failures.get(), evictions, requests, rotations);
        assertThat(errors).as("failed queries").isEmpty();
        assertThat(queries.get()).isGreaterThan(100);
        // 25 s of 8 s tokens refreshed at 4-4.4 s: 5-6 rotations; a request per connection would be hundreds
        assertThat(rotations).isBetween(4, 8);
    }
}
