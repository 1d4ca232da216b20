package io.github.azuremi.jdbc.internal.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The dialects read URLs as their drivers do, and decide where the token may go. No network. */
class DialectTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "jdbc:postgresql://srv.postgres.database.azure.com:5432/app, https://ossrdbms-aad.database.windows.net/.default",
        "jdbc:postgresql://srv.postgres.database.usgovcloudapi.net/app, https://ossrdbms-aad.database.usgovcloudapi.net/.default",
        "jdbc:postgresql://srv.postgres.database.chinacloudapi.cn:5432/app, https://ossrdbms-aad.database.chinacloudapi.cn/.default",
        "jdbc:mysql://srv.mysql.database.azure.com:3306/app, https://ossrdbms-aad.database.windows.net/.default",
        "jdbc:mysql://srv.mysql.database.usgovcloudapi.net/app, https://ossrdbms-aad.database.usgovcloudapi.net/.default",
        "jdbc:sqlserver://srv.database.windows.net:1433;databaseName=app, https://database.windows.net/.default",
        "jdbc:sqlserver://srv.database.usgovcloudapi.net;databaseName=app, https://database.usgovcloudapi.net/.default",
        "jdbc:sqlserver://srv.database.chinacloudapi.cn:1433, https://database.chinacloudapi.cn/.default",
    })
    void theScopeFollowsTheDatabaseAndTheCloudOfTheFirstHost(String url, String scope) {
        Dialect d = Dialect.forJdbcUrl(url);
        assertThat(d.defaultScope(d.target(url, new Properties(), false).firstHost()))
                .isEqualTo(scope);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "https://ossrdbms-aad.database.windows.net/.default | jdbc:postgresql: | true",
                "https://ossrdbms-aad.database.usgovcloudapi.net/.default | jdbc:mysql: | true",
                "https://ossrdbms-aad.database.chinacloudapi.cn/.default | jdbc:postgresql: | true",
                "https://database.windows.net/.default | jdbc:sqlserver: | true",
                "https://database.windows.net//.default | jdbc:sqlserver: | true",
                "https://database.usgovcloudapi.net/.default | jdbc:sqlserver: | true",
                "https://database.chinacloudapi.cn/.default | jdbc:sqlserver: | true",
                "https://management.azure.com/.default | jdbc:postgresql: | false",
                "https://vault.azure.net/.default | jdbc:sqlserver: | false",
                "https://graph.microsoft.com/.default | jdbc:mysql: | false",
                "https://database.windows.net/.default | jdbc:postgresql: | false",
                "https://ossrdbms-aad.database.windows.net/.default | jdbc:sqlserver: | false",
                "https://ossrdbms-aad.database.windows.net.evil.example/.default | jdbc:postgresql: | false",
            })
    void onlyDatabaseAudiencesAreAcceptedAsScope(String scope, String url, boolean accepted) {
        assertThat(Dialect.forJdbcUrl(url).checkScope(scope) == null).isEqualTo(accepted);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "localhost, true",
        "LOCALHOST, true",
        "127.0.0.1, true",
        "127.8.9.10, true",
        "::1, true",
        "[::1], true",
        "0:0:0:0:0:0:0:1, true",
        "127.anything.example, false",
        "127.0.0.1.nip.io, false",
        "127.0.0.01, false",
        "localhost.example, false",
        "10.0.0.1, false",
        "192.0.2.2, false",
        "'', false",
        "::2, false",
    })
    void loopbackMeansLoopback(String host, boolean loopback) {
        assertThat(Dialect.isLoopback(host)).isEqualTo(loopback);
    }

    @Test
    void postgresDefaultsToVerifyFullWithTheJdkTrustStore() {
        Target t = Dialect.POSTGRESQL.target(
                "jdbc:postgresql://srv.postgres.database.azure.com/app", new Properties(), false);
        assertThat(t.driverProperties())
                .containsEntry("sslmode", "verify-full")
                .containsEntry("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
    }

    @Test
    void postgresKeepsTheUsersRootCertificate() {
        Target t = Dialect.POSTGRESQL.target(
                "jdbc:postgresql://srv.example/app?sslrootcert=/ca.pem", new Properties(), false);
        assertThat(t.driverProperties()).containsEntry("sslmode", "verify-full").doesNotContainKey("sslfactory");
    }

    @Test
    void mysqlDefaultsToVerifyIdentityAndTheClearTextPlugin() {
        Target t = Dialect.MYSQL.target("jdbc:mysql://srv.mysql.database.azure.com/app", new Properties(), false);
        assertThat(t.driverProperties())
                .containsEntry("sslMode", "VERIFY_IDENTITY")
                .containsEntry("defaultAuthenticationPlugin", MySqlDialect.CLEAR_PASSWORD_PLUGIN);
    }

    @Test
    void mysqlWithTlsExplicitlyOffTowardsLoopbackDoesNotForceTheClearTextPlugin() {
        Target t = Dialect.MYSQL.target("jdbc:mysql://127.0.0.1/app?sslMode=DISABLED", new Properties(), false);
        assertThat(t.driverProperties()).doesNotContainKeys("defaultAuthenticationPlugin", "authenticationPlugins");
        assertThat(t.loopbackOnly()).isTrue();
    }

    @Test
    void everyHostOfAFailoverUrlCounts() {
        assertThat(Dialect.POSTGRESQL
                        .target("jdbc:postgresql://localhost:1,db.example:5432/app", new Properties(), false)
                        .hosts())
                .containsExactly("localhost", "db.example");
        assertThat(Dialect.MYSQL
                        .target(
                                "jdbc:mysql://localhost:1,address=(host=db.example)(port=3306)/app",
                                new Properties(),
                                false)
                        .hosts())
                .containsExactly("localhost", "db.example");
        assertThat(Dialect.SQLSERVER
                        .target("jdbc:sqlserver://localhost;failoverPartner=db.example\\inst", new Properties(), false)
                        .hosts())
                .containsExactly("localhost", "db.example");
    }

    @Test
    void aSocketFactoryEndsTheLoopbackExemption() {
        assertThatThrownBy(() -> Dialect.POSTGRESQL.target(
                        "jdbc:postgresql://localhost/app?sslmode=disable&socketFactory=javax.net.DefaultSocketFactory",
                        new Properties(),
                        false))
                .hasMessageContaining("sslmode=disable");
    }

    @Test
    void aPgServiceFileIsReadAsPgjdbcReadsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("pg_service.conf");
        java.nio.file.Files.writeString(file, "[remote]\nhost=db.example\nport=5432\nsslmode=disable\n");
        String previous = System.getProperty("org.postgresql.pgservicefile");
        System.setProperty("org.postgresql.pgservicefile", file.toString());
        try {
            assertThatThrownBy(() ->
                            Dialect.POSTGRESQL.target("jdbc:postgresql:///app?service=remote", new Properties(), false))
                    .hasMessageContaining("sslmode=disable");
        } finally {
            if (previous == null) {
                System.clearProperty("org.postgresql.pgservicefile");
            } else {
                System.setProperty("org.postgresql.pgservicefile", previous);
            }
        }
    }

    @Test
    void aDnsSrvUrlIsNeverLoopbackAndIsNotResolvedAtStart() {
        assertThatThrownBy(() -> Dialect.MYSQL.target(
                        "jdbc:mysql+srv://_mysql._tcp.localhost/app?sslMode=DISABLED", new Properties(), false))
                .hasMessageContaining("sslMode=DISABLED");
    }

    @Test
    void ipv6LoopbackIsLoopbackForEachDriver() {
        assertThat(Dialect.POSTGRESQL
                        .target("jdbc:postgresql://[::1]:5432/app?sslmode=disable", new Properties(), false)
                        .loopbackOnly())
                .isTrue();
        assertThat(Dialect.MYSQL
                        .target("jdbc:mysql://[::1]:3306/app?sslMode=DISABLED", new Properties(), false)
                        .loopbackOnly())
                .isTrue();
        assertThat(Dialect.SQLSERVER
                        .target("jdbc:sqlserver://localhost;trustServerCertificate=true", new Properties(), false)
                        .loopbackOnly())
                .isTrue();
    }

    @Test
    void theExplicitOptInAllowsWhatIsOtherwiseRefused() {
        Target t =
                Dialect.POSTGRESQL.target("jdbc:postgresql://db.internal/app?sslmode=disable", new Properties(), true);
        assertThat(t.transport()).contains("sslmode=disable");
    }

    @Test
    void loginTimeoutsReachTheDriverWithoutOverridingTheUsers() {
        Properties user = new Properties();
        user.setProperty("connectTimeout", "3");
        Properties pg = Dialect.POSTGRESQL.withLoginTimeout(user, java.time.Duration.ofMillis(2500));
        assertThat(pg).containsEntry("loginTimeout", "3").containsEntry("connectTimeout", "3");
        Properties my = Dialect.MYSQL.withLoginTimeout(new Properties(), java.time.Duration.ofMillis(2500));
        assertThat(my).containsEntry("connectTimeout", "2500").containsEntry("socketTimeout", "2500");
        Properties ms = Dialect.SQLSERVER.withLoginTimeout(new Properties(), java.time.Duration.ofMillis(2500));
        assertThat(ms).containsEntry("loginTimeout", "3");
    }
}
