package io.github.azuremi.jdbc.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.testsupport.FakeAccessTokens.Identity;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TestDatabasesTest {

    private static final String RESOURCE = "https://ossrdbms-aad.database.windows.net";

    /** What every kind of test database must do. */
    abstract static class Contract {

        abstract TestDatabase database();

        abstract String role();

        /** SQLStates a server uses to refuse a login with a wrong password. */
        abstract String[] refusedSqlStates();

        /** Driver properties for TLS verified with the test CA of {@link TestTls}, host name included. */
        abstract Properties verifiedTls();

        /** Whether the session of {@code sql} is encrypted, as the server sees it. */
        abstract boolean encrypted(Statement sql) throws SQLException;

        @Test
        void aTokenRoleLogsInOverTlsVerifiedWithTheTestCaThatTestTlsNames() throws SQLException {
            String token = newToken();
            database().createTokenRole(role());
            database().acceptToken(role(), token, Instant.now().plus(Duration.ofMinutes(10)));
            Properties properties = verifiedTls();
            properties.setProperty("user", role());
            properties.setProperty("password", token);
            String url = database().jdbcUrl().replaceFirst("\\?.*$", ""); // without the URL's sslMode=DISABLED
            try (Connection connection = DriverManager.getConnection(url, properties);
                    Statement sql = connection.createStatement()) {
                assertThat(encrypted(sql)).as("the session is encrypted").isTrue();
            }
        }

        @Test
        void jdbcUrlCarriesNoCredentials() {
            assertThat(database().jdbcUrl())
                    .startsWith("jdbc:" + database().kind() + "://")
                    .doesNotContainIgnoringCase("user=")
                    .doesNotContainIgnoringCase("password=");
        }

        @Test
        void createTokenRoleIsIdempotent() {
            assertThat(database().createTokenRole(role())).isEqualTo(role());
            assertThat(database().createTokenRole(role())).isEqualTo(role());
        }

        @Test
        void refusesRoleNamesThatNeedQuoting() {
            assertThatThrownBy(() -> database().createTokenRole("Robert'); drop table x;--"))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void aTokenRoleLogsInWithTheAcceptedToken() throws SQLException {
            String token = newToken();
            database().createTokenRole(role());

            database().acceptToken(role(), token, Instant.now().plus(Duration.ofMinutes(10)));

            assertThat(currentUser(token)).startsWith(role());
        }

        @Test
        void aWrongTokenIsRefused() {
            database().createTokenRole(role());
            database().acceptToken(role(), newToken(), Instant.now().plus(Duration.ofMinutes(10)));

            assertLoginRefused(newToken());
        }

        @Test
        void aReplacedTokenIsRefused() throws SQLException {
            String old = newToken();
            String current = newToken();
            database().createTokenRole(role());
            database().acceptToken(role(), old, Instant.now().plus(Duration.ofMinutes(10)));

            database().acceptToken(role(), current, Instant.now().plus(Duration.ofMinutes(10)));

            assertLoginRefused(old);
            assertThat(currentUser(current)).startsWith(role());
        }

        @Test
        void tokensFromTheLocalEndpointOpenConnectionsWhenAcceptedOnIssue() throws IOException, SQLException {
            database().createTokenRole(role());
            try (LocalManagedIdentityEndpoint endpoint =
                    LocalManagedIdentityEndpoint.start(0, "secret-" + UUID.randomUUID())) {
                endpoint.onIssue(token -> database().acceptToken(role(), token.accessToken(), token.expiresOn()));

                RawHttp.Response response = RawHttp.get(
                        endpoint.port(),
                        LocalManagedIdentityEndpoint.PATH + "?api-version=" + LocalManagedIdentityEndpoint.API_VERSION
                                + "&resource=" + URLEncoder.encode(RESOURCE, StandardCharsets.UTF_8),
                        Map.of(LocalManagedIdentityEndpoint.IDENTITY_HEADER_NAME, endpoint.identityHeader()));

                assertThat(response.status()).isEqualTo(200);
                IssuedToken issued = endpoint.issuedTokens().get(0);
                assertThat(currentUser(issued.accessToken())).startsWith(role());
            }
        }

        @Test
        void adminConnectionWorks() throws SQLException {
            try (Connection admin = database().adminConnection();
                    Statement sql = admin.createStatement();
                    ResultSet one = sql.executeQuery("SELECT 1")) {
                assertThat(one.next()).isTrue();
            }
        }

        final String currentUser(String token) throws SQLException {
            try (Connection connection = database().login(role(), token);
                    Statement sql = connection.createStatement();
                    ResultSet user = sql.executeQuery("SELECT current_user")) {
                user.next();
                return user.getString(1);
            }
        }

        final void assertLoginRefused(String token) {
            assertThatThrownBy(() -> currentUser(token))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isIn((Object[]) refusedSqlStates()));
        }

        static String newToken() {
            Instant now = Instant.now();
            return FakeAccessTokens.mint(RESOURCE, Identity.systemAssigned(), now, now.plus(Duration.ofMinutes(10)));
        }
    }

    @Nested
    class Postgres extends Contract {

        @Override
        TestDatabase database() {
            return TestDatabases.postgres();
        }

        @Override
        String role() {
            return "mids_infra_token_role";
        }

        @Override
        String[] refusedSqlStates() {
            return new String[] {"28P01"};
        }

        @Override
        Properties verifiedTls() {
            Properties p = new Properties();
            p.setProperty("sslmode", "verify-full");
            p.setProperty("sslrootcert", TestTls.caFile());
            return p;
        }

        @Override
        boolean encrypted(Statement sql) throws SQLException {
            try (ResultSet ssl = sql.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                return ssl.next() && ssl.getBoolean(1);
            }
        }

        @Test
        void isThePostgresKind() {
            assertThat(database().kind()).isEqualTo("postgresql");
            assertThat(TestDatabases.postgres()).isSameAs(database());
        }

        @Test
        void anExpiredTokenIsRefused() {
            String token = newToken();
            database().createTokenRole(role());

            database().acceptToken(role(), token, Instant.now().minus(Duration.ofMinutes(1)));

            assertLoginRefused(token);
        }

        @Test
        void aTokenRoleIsAMemberOfTheGroupThatPgHbaNames() throws SQLException {
            database().createTokenRole(role());
            try (Connection admin = database().adminConnection();
                    Statement sql = admin.createStatement();
                    ResultSet member = sql.executeQuery("SELECT pg_has_role('" + role() + "', '"
                            + PostgresTestDatabase.TOKEN_GROUP + "', 'MEMBER')")) {
                member.next();
                assertThat(member.getBoolean(1)).isTrue();
            }
        }
    }

    @Nested
    class Mysql extends Contract {

        @Override
        TestDatabase database() {
            return TestDatabases.mysql();
        }

        @Override
        String role() {
            return "mids_infra_token_user";
        }

        @Override
        String[] refusedSqlStates() {
            return new String[] {"28000"};
        }

        @Override
        Properties verifiedTls() {
            Properties p = new Properties();
            p.setProperty("sslMode", "VERIFY_IDENTITY");
            p.setProperty(
                    "trustCertificateKeyStoreUrl",
                    Path.of(TestTls.trustStore()).toUri().toString());
            p.setProperty("trustCertificateKeyStoreType", "PKCS12");
            p.setProperty("trustCertificateKeyStorePassword", TestTls.trustStorePassword());
            return p;
        }

        @Override
        boolean encrypted(Statement sql) throws SQLException {
            try (ResultSet version = sql.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
                return version.next() && version.getString(2).startsWith("TLSv1.");
            }
        }

        @Test
        void isTheMysqlKindAndLogsInWithoutTls() {
            assertThat(database().kind()).isEqualTo("mysql");
            assertThat(database().jdbcUrl()).containsIgnoringCase("sslMode=");
            assertThat(TestDatabases.mysql()).isSameAs(database());
        }

        @Test
        void storesTheNativePasswordHashMysqlWouldCompute() throws SQLException {
            String token = newToken();
            try (Connection admin = database().adminConnection();
                    Statement sql = admin.createStatement();
                    ResultSet hash = sql.executeQuery("SELECT SHA1(UNHEX(SHA1('" + token + "')))")) {
                hash.next();
                assertThat(MysqlTestDatabase.nativePasswordHash(token)).isEqualToIgnoringCase("*" + hash.getString(1));
            }
        }
    }
}
