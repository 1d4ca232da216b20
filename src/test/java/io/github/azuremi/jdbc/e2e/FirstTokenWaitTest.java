package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pool's first token is waited for as long as a token request may take ({@code tokenFetchTimeout}), not
 * only {@code connectionTimeout}: a slow identity endpoint on a cold host must not fail the start. Measured
 * from {@code new} to the first query, next to a pool with a static password, against the real PostgreSQL
 * with the token checked by the server.
 */
class FirstTokenWaitTest {

    private static final int CONNECTION_TIMEOUT_MS = 5_000;

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    @Test
    void aFirstTokenThatTakesLongerThanConnectionTimeoutStillStartsThePool() throws Exception {
        long staticMs = staticPasswordPoolMillis();
        long fastMs = firstQueryMillis(Duration.ofMillis(400));
        long slowMs = firstQueryMillis(Duration.ofSeconds(8));
        System.out.printf(
                "[first-token] connectionTimeout=%d ms: new -> first query: static password %d ms, "
                        + "endpoint 0.4 s %d ms, endpoint 8 s %d ms%n",
                CONNECTION_TIMEOUT_MS, staticMs, fastMs, slowMs);
        assertThat(fastMs).isGreaterThanOrEqualTo(400);
        assertThat(slowMs)
                .as("waited past connectionTimeout for the first token")
                .isGreaterThan(CONNECTION_TIMEOUT_MS)
                .isGreaterThanOrEqualTo(8_000);
    }

    private long firstQueryMillis(Duration endpointLatency) throws SQLException {
        endpoint.reset();
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_first");
        String clientId = UUID.randomUUID().toString();
        endpoint.onIssue(token -> {
            if (token.clientId().equals(clientId)) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        endpoint.setLatency(endpointLatency);
        long start = System.nanoTime();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(role);
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(clientId);
            ds.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
            assertThat(currentUser(ds)).isEqualTo(role);
            return (System.nanoTime() - start) / 1_000_000;
        }
    }

    private static long staticPasswordPoolMillis() throws SQLException {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_static");
        String password = "static-" + UUID.randomUUID();
        db.acceptToken(role, password, java.time.Instant.now().plus(Duration.ofMinutes(10)));
        long start = System.nanoTime();
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(role);
            ds.setPassword(password);
            ds.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
            assertThat(currentUser(ds)).isEqualTo(role);
            return (System.nanoTime() - start) / 1_000_000;
        }
    }

    private static String currentUser(javax.sql.DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
