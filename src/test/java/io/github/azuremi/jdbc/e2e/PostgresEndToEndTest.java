package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Azure Database for PostgreSQL, played by a real PostgreSQL that checks each token as the role's password, over
 * verified TLS: {@code sslmode=verify-full} with the test CA of {@code .ci/run} as {@code sslrootcert}.
 */
class PostgresEndToEndTest extends EndToEndContract {

    @Override
    protected ManagedIdentityDataSource pool(String credential, String clientId) {
        ManagedIdentityDataSource ds = super.pool(credential, clientId);
        ds.addDataSourceProperty("sslmode", "verify-full");
        ds.addDataSourceProperty("sslrootcert", TestTls.caFile());
        return ds;
    }

    @Test
    void theLoginIsVerifiedTls() throws SQLException {
        ManagedIdentityDataSource ds = pool("managed-identity");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).as("the session is encrypted").isTrue();
            assertThat(rs.getString(2)).startsWith("TLSv1.");
        }
    }

    @Test
    void aServerCertificateTheJdkTrustStoreDoesNotVouchForIsRefused() {
        ManagedIdentityDataSource ds =
                super.pool("managed-identity", UUID.randomUUID().toString());
        ds.addDataSourceProperty("sslmode", "verify-full"); // no sslrootcert: the library adds the JDK trust store
        assertThatThrownBy(() -> ds.getConnection().close()).hasStackTraceContaining("PKIX path building failed");
        assertThat(endpoint.requestCount())
                .as("the token was fetched, but the server never saw it")
                .isEqualTo(1);
    }

    @Override
    protected TestDatabase database() {
        return TestDatabases.postgres();
    }

    @Override
    protected String currentUserSql() {
        return "SELECT current_user";
    }

    @Override
    protected String expectedCurrentUser(String role) {
        return role;
    }

    @Test
    void theServerRefusesAWrongAndAnExpiredToken() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(3));
        ManagedIdentityDataSource ds = pool("managed-identity");
        currentUser(ds); // the endpoint issued a token and the server accepts it until it expires
        List<io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken> issued =
                endpoint.issuedTokens();
        String token = issued.get(issued.size() - 1).accessToken();

        assertThatThrownBy(() -> db.login(role, token + "x").close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

        try (Connection ok = db.login(role, token)) {
            assertThat(ok.isValid(2)).isTrue();
        }
        Thread.sleep(Duration.between(
                                java.time.Instant.now(),
                                issued.get(issued.size() - 1).expiresOn())
                        .toMillis()
                + 1_100);
        assertThatThrownBy(() -> db.login(role, token).close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }
}
