package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link SqlServerTokenDriver} answers as a {@code java.sql.Driver} (tools call these without connecting), and
 * how its failures reach the caller: the library's refusals as its own SQLException, mssql-jdbc's as they were.
 */
class SqlServerTokenDriverContractTest {

    private final SqlServerTokenDriver driver = new SqlServerTokenDriver();
    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private FakeTdsServer server;

    @BeforeEach
    void identity() {
        endpoint.reset();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", UUID.randomUUID().toString());
    }

    @AfterEach
    void stop() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        System.clearProperty("azuremi.tokenFetchTimeout");
        endpoint.reset();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void itDescribesItselfByItsPrefix_asVersion0_1_notJdbcCompliant() {
        assertThat(driver).hasToString("SqlServerTokenDriver[jdbc:azuremi:sqlserver:]");
        assertThat(driver.getMajorVersion()).isZero();
        assertThat(driver.getMinorVersion()).isEqualTo(1);
        assertThat(driver.jdbcCompliant()).isFalse();
    }

    @Test
    void itAcceptsItsPrefixInAnyCase_andNothingElse() {
        assertThat(driver.acceptsURL("Jdbc:AzureMI:SqlServer://db.example")).isTrue();
        assertThat(driver.acceptsURL("jdbc:azuremi:sqlserve")).isFalse();
        assertThat(driver.acceptsURL(null)).isFalse();
    }

    @Test
    void toolsGetNoPropertiesForAForeignUrl_andMssqlJdbcsForItsOwnEvenWithoutProperties() throws SQLException {
        assertThat(driver.getPropertyInfo("jdbc:sqlserver://db.example:1433", null))
                .isEmpty();
        DriverPropertyInfo[] info = driver.getPropertyInfo("jdbc:azuremi:sqlserver://db.example:1433", null);
        assertThat(Arrays.stream(info).map(i -> i.name)).contains("encrypt", "serverName");
        assertThat(Arrays.stream(info).filter(i -> i.name.equals("serverName")).map(i -> i.value))
                .as("read from the URL after the prefix")
                .containsExactly("db.example");
    }

    @Test
    void toolsGetTheValuesOfThePropertiesTheyPass() throws SQLException {
        java.util.Properties given = new java.util.Properties();
        given.setProperty("databaseName", "app");
        DriverPropertyInfo[] info = driver.getPropertyInfo("jdbc:azuremi:sqlserver://db.example:1433", given);
        assertThat(Arrays.stream(info)
                        .filter(i -> i.name.equals("databaseName"))
                        .map(i -> i.value))
                .containsExactly("app");
    }

    /** Without mssql-jdbc a tool asking for the properties is told what is missing, not NoClassDefFoundError. */
    @Test
    void withoutMssqlJdbcToolsAskingForThePropertiesAreToldWhatIsMissing() throws Exception {
        java.net.URL library =
                SqlServerTokenDriver.class.getProtectionDomain().getCodeSource().getLocation();
        java.net.URL slf4j = org.slf4j.LoggerFactory.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation();
        try (java.net.URLClassLoader noMssql = new java.net.URLClassLoader(
                new java.net.URL[] {library, slf4j}, ClassLoader.getPlatformClassLoader())) {
            java.sql.Driver isolated = (java.sql.Driver) noMssql.loadClass(SqlServerTokenDriver.class.getName())
                    .getConstructor()
                    .newInstance();
            assertThatThrownBy(() -> isolated.getPropertyInfo("jdbc:azuremi:sqlserver://db.example:1433", null))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("need mssql-jdbc 12.4 or later on the classpath");
        }
    }

    @Test
    void aConnectWithoutPropertiesLogsIn() throws SQLException {
        server = FakeTdsServer.start(token -> endpoint.hasIssued(token) ? Optional.of("mi") : Optional.empty());
        String url = server.jdbcUrl("app").replaceFirst("^jdbc:sqlserver:", SqlServerTokenDriver.URL_PREFIX);
        try (Connection c = driver.connect(url, null)) {
            assertThat(c.isValid(2)).isTrue();
        }
        assertThat(server.acceptedLogins()).isEqualTo(1);
    }

    /** The opt-in of this path is a JVM system property, as the callback's settings: the message names it so. */
    @Test
    void anUnverifiedTransportIsRefusedBeforeConnecting_namingTheSystemPropertyOptIn() {
        assertThatThrownBy(() -> driver.connect("jdbc:azuremi:sqlserver://db.example:1433;encrypt=false", null))
                .isInstanceOfSatisfying(
                        SQLNonTransientConnectionException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("08001"))
                .hasMessageStartingWith("SqlServerTokenDriver - ")
                .hasMessageContaining("set -Dazuremi.allowUnverifiedTransport=true")
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(endpoint.issuedCount()).isZero();
    }

    /** A failure that is mssql-jdbc's own (nobody listening) reaches the caller as mssql-jdbc reported it. */
    @Test
    void mssqlJdbcsOwnFailureIsPassedOnUnchanged() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = SqlServerTokenDriver.URL_PREFIX + "//127.0.0.1:" + closedPort + ";databaseName=app;loginTimeout=2";
        assertThatThrownBy(() -> driver.connect(url, null)).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getClass().getName()).isEqualTo("com.microsoft.sqlserver.jdbc.SQLServerException");
            assertThat(e.getSQLState()).isEqualTo("08S01");
        });
    }

    /**
     * A failure of the callback (here: no token in time) escapes mssql-jdbc as the callback's own runtime exception:
     * the driver makes it an SQLException (connection not established) with the library's message.
     */
    @Test
    void aCallbackFailureIsAnSqlExceptionWithTheLibrarysMessage() {
        System.setProperty("azuremi.tokenFetchTimeout", "500ms");
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        server = FakeTdsServer.start(token -> Optional.empty());
        String url = server.jdbcUrl("app").replaceFirst("^jdbc:sqlserver:", SqlServerTokenDriver.URL_PREFIX);
        assertThatThrownBy(() -> driver.connect(url, null))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08001"))
                .hasMessageStartingWith("SqlServerAccessTokenCallback - Could not get an access token")
                .hasMessageContaining("500 ms")
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasCauseInstanceOf(SqlServerAccessTokenCallback.Failure.class);
        assertThat(server.lastToken()).isNull();
    }
}
