package io.github.azuremi.jdbc.plugin;

import io.github.azuremi.jdbc.internal.db.Dialect;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver for Azure SQL Database logins with access tokens, for pools, frameworks and tools configured with a
 * URL (registered through {@code META-INF/services/java.sql.Driver}; needs mssql-jdbc 12.4 or later):
 *
 * <pre>{@code
 * jdbc:azuremi:sqlserver://<server>.database.windows.net:1433;databaseName=<db>
 * }</pre>
 *
 * <p>It reads the URL and properties (after {@code jdbc:azuremi:} they are mssql-jdbc's) with the same rules as
 * {@code ManagedIdentityDataSource}: a token goes only over TLS that verifies the server towards a host other than
 * this machine ({@code encrypt=false/optional} and {@code trustServerCertificate=true} are refused, naming the
 * setting), and user, password or another authentication setting is refused. It then opens the connection through
 * mssql-jdbc with {@link SqlServerAccessTokenCallback} for that one connection (its reconnects included). The token
 * settings are the callback's: JVM system properties {@code azuremi.*}. mssql-jdbc's classes are loaded only when
 * such a URL is used.
 */
public final class SqlServerTokenDriver implements Driver {

    /** The URL prefix this driver accepts (case-insensitive); the rest is mssql-jdbc's URL after {@code jdbc:sqlserver:}. */
    public static final String URL_PREFIX = "jdbc:azuremi:sqlserver:";

    static {
        try {
            DriverManager.registerDriver(new SqlServerTokenDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** For {@code ServiceLoader}, pools and tools that instantiate driver classes by name. */
    public SqlServerTokenDriver() {}

    /** Null for any URL not starting with {@link #URL_PREFIX}, as JDBC asks of a driver that does not handle it. */
    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        requireMssqlJdbc();
        return SqlServerTokenLogin.connect(sqlServerUrl(url), info == null ? new Properties() : info);
    }

    /** Before SqlServerTokenLogin is loaded: its verification needs mssql-jdbc's classes. */
    private static void requireMssqlJdbc() throws SQLException {
        if (!Dialect.isPresent("com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback")) {
            throw new SQLNonTransientConnectionException(
                    "SqlServerTokenDriver - " + URL_PREFIX + " URLs need mssql-jdbc 12.4 "
                            + "or later on the classpath (for its SQLServerAccessTokenCallback); add the dependency "
                            + Dialect.SQLSERVER.driverArtifact(),
                    "08001");
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.regionMatches(true, 0, URL_PREFIX, 0, URL_PREFIX.length());
    }

    /** mssql-jdbc's, for the same URL (tools list these as the connection's settings). */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return new DriverPropertyInfo[0];
        }
        requireMssqlJdbc();
        return SqlServerTokenLogin.propertyInfo(sqlServerUrl(url), info == null ? new Properties() : info);
    }

    /** The library's version line (0.x), not mssql-jdbc's. */
    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    /** False: the JDBC behaviour is mssql-jdbc's, whose compliance this wrapper does not claim for it. */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    /** mssql-jdbc's parent logger (named, so that mssql-jdbc is not loaded for it): the connections log there. */
    @Override
    public Logger getParentLogger() {
        return Logger.getLogger("com.microsoft.sqlserver.jdbc");
    }

    private static String sqlServerUrl(String url) {
        return "jdbc:sqlserver:" + url.substring(URL_PREFIX.length());
    }

    @Override
    public String toString() {
        return "SqlServerTokenDriver[" + URL_PREFIX + "]";
    }
}
