package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SqlServerTokenDriver} as pools and tools use a driver: found by URL through {@code DriverManager}
 * (registered by {@code META-INF/services/java.sql.Driver}) or instantiated by class name, answering only its own
 * prefix, and refusing the settings that would make mssql-jdbc log in another way.
 */
class SqlServerTokenDriverTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private FakeTdsServer server;

    @BeforeEach
    void start() {
        endpoint.reset();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", UUID.randomUUID().toString());
        server = FakeTdsServer.start(
                token -> endpoint.hasIssued(token) ? java.util.Optional.of("mi") : java.util.Optional.empty());
    }

    @AfterEach
    void stop() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        server.close();
    }

    private String driverUrl() {
        return server.jdbcUrl("app").replaceFirst("^jdbc:sqlserver:", SqlServerTokenDriver.URL_PREFIX);
    }

    @Test
    void driverManagerFindsItForItsPrefixOnlyAndToolsGetMssqlJdbcsPropertyList() throws SQLException {
        Driver driver = DriverManager.getDriver("JDBC:AZUREMI:SQLSERVER://db.example:1433");
        assertThat(driver).isInstanceOf(SqlServerTokenDriver.class);
        assertThat(driver.acceptsURL("jdbc:sqlserver://db.example:1433")).isFalse();
        assertThat(driver.connect("jdbc:sqlserver://db.example:1433", new Properties()))
                .isNull();
        DriverPropertyInfo[] info = driver.getPropertyInfo(driverUrl(), new Properties());
        assertThat(Arrays.stream(info).map(i -> i.name)).contains("encrypt", "trustServerCertificate", "serverName");
        assertThat(driver.getParentLogger().getName()).isEqualTo("com.microsoft.sqlserver.jdbc");
    }

    /**
     * mssql-jdbc is optional: DriverManager instantiates every registered driver, so the driver must load without it,
     * and a jdbc:azuremi:sqlserver: URL must then say what is missing (not a NoClassDefFoundError).
     */
    @Test
    void withoutMssqlJdbcTheDriverLoadsAndNamesTheMissingDependency() throws Exception {
        java.net.URL library =
                SqlServerTokenDriver.class.getProtectionDomain().getCodeSource().getLocation();
        java.net.URL slf4j = org.slf4j.LoggerFactory.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation();
        try (java.net.URLClassLoader noMssql = new java.net.URLClassLoader(
                new java.net.URL[] {library, slf4j}, ClassLoader.getPlatformClassLoader())) {
            Driver driver = (Driver) noMssql.loadClass(SqlServerTokenDriver.class.getName())
                    .getConstructor()
                    .newInstance();
            assertThat(driver.acceptsURL("jdbc:azuremi:sqlserver://db.example")).isTrue();
            assertThatThrownBy(() -> driver.connect("jdbc:azuremi:sqlserver://db.example:1433", new Properties()))
                    .isInstanceOf(SQLException.class)
                    .hasMessage(
                            "SqlServerTokenDriver - jdbc:azuremi:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath "
                                    + "(for its SQLServerAccessTokenCallback); add the dependency com.microsoft.sqlserver:mssql-jdbc");
            assertThatThrownBy(() -> noMssql.loadClass("com.microsoft.sqlserver.jdbc.SQLServerDriver"))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void aPoolThatInstantiatesTheDriverByClassNameLogsIn() throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setDriverClassName(SqlServerTokenDriver.class.getName());
        config.setJdbcUrl(driverUrl());
        try (HikariDataSource pool = new HikariDataSource(config);
                Connection c = pool.getConnection()) {
            assertThat(c.isValid(2)).isTrue();
        }
        assertThat(server.acceptedLogins()).isPositive();
    }

    /**
     * The login's socketTimeout (which bounds a silent server's PRELOGIN, see SqlServerTokenDriverSilentServerTest) is
     * for the login only: a query may then run longer than loginTimeout, unless the user set a socketTimeout.
     */
    @Test
    void theLoginsSocketTimeoutIsUndoneOnceLoggedIn_andTheUsersOwnIsKept() throws SQLException {
        try (Connection c = DriverManager.getConnection(driverUrl() + ";loginTimeout=3")) {
            assertThat(c.getNetworkTimeout())
                    .as("no socketTimeout after the login")
                    .isZero();
        }
        try (Connection c = DriverManager.getConnection(driverUrl() + ";loginTimeout=3;socketTimeout=7000")) {
            assertThat(c.getNetworkTimeout()).as("the user's socketTimeout").isEqualTo(7000);
        }
    }

    @Test
    void aUrlThatAlsoNamesTheCallbackClassIsRefusedNamingIt() {
        assertThatThrownBy(() -> DriverManager.getConnection(driverUrl() + ";accessTokenCallbackClass="
                                + SqlServerAccessTokenCallback.class.getName())
                        .close())
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith("SqlServerTokenDriver - accessTokenCallbackClass is set in jdbcUrl")
                .hasMessageEndingWith("Remove accessTokenCallbackClass");
        assertThat(server.lastToken()).isNull();
    }

    @Test
    void aUserOrPasswordIsRefusedButTheEmptyOnesToolsSendAreNot() throws SQLException {
        Properties user = new Properties();
        user.setProperty("user", "app");
        assertThatThrownBy(() -> DriverManager.getConnection(driverUrl(), user).close())
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith("SqlServerTokenDriver - user is set in dataSourceProperties")
                .hasMessageEndingWith("Remove user");
        Properties empty = new Properties();
        empty.setProperty("user", "");
        empty.setProperty("password", "");
        try (Connection c = DriverManager.getConnection(driverUrl(), empty)) {
            assertThat(c.isValid(2)).isTrue();
        }
    }
}
