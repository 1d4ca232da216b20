package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Azure Database for MySQL, played by the local MariaDB (or a MySQL container where Docker runs), which
 * checks each token as the user's password, over verified TLS (sslMode=VERIFY_IDENTITY with a trust store holding
 * only the test CA of .ci/run). The server stores mysql_native_password hashes: the library's clear-text plugin
 * sends the token first, and the server switches the client to mysql_native_password.
 */
class MySqlEndToEndTest extends EndToEndContract {

    @Override
    protected TestDatabase database() {
        return TestDatabases.mysql();
    }

    @Override
    protected String currentUserSql() {
        return "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)";
    }

    @Override
    protected String expectedCurrentUser(String role) {
        return role;
    }

    @Override
    protected ManagedIdentityDataSource pool(String credential, String clientId) {
        ManagedIdentityDataSource ds = super.pool(credential, clientId);
        // verified TLS with the test CA of .ci/run (the properties win over the test URL's sslMode=DISABLED)
        ds.addDataSourceProperty("sslMode", "VERIFY_IDENTITY");
        ds.addDataSourceProperty(
                "trustCertificateKeyStoreUrl",
                Path.of(TestTls.trustStore()).toUri().toString());
        ds.addDataSourceProperty("trustCertificateKeyStoreType", "PKCS12");
        ds.addDataSourceProperty("trustCertificateKeyStorePassword", TestTls.trustStorePassword());
        return ds;
    }

    @Test
    void theLoginIsVerifiedTls() throws SQLException {
        ManagedIdentityDataSource ds = pool("managed-identity");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).as("the session is encrypted").startsWith("TLSv1.");
        }
    }

    @Test
    void theServerRefusesAWrongToken() {
        assertThatThrownBy(() -> db.login(role, "not-the-token").close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));
    }
}
