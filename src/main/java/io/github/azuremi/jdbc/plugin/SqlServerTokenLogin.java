package io.github.azuremi.jdbc.plugin;

import com.microsoft.sqlserver.jdbc.SQLServerDataSource;
import com.microsoft.sqlserver.jdbc.SQLServerDriver;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.SqlServerDialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.login.ConnectionReady;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import java.sql.Connection;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Properties;

/**
 * The mssql-jdbc half of {@link SqlServerTokenDriver}, a separate class so that registering the driver loads none of
 * mssql-jdbc's classes. The transport and credential rules are the data source's ({@link LoginPlan#target}): one
 * place decides for both.
 */
final class SqlServerTokenLogin {

    private static final String NAME = "SqlServerTokenDriver";

    private SqlServerTokenLogin() {}

    static Connection connect(String jdbcUrl, Properties info) throws SQLException {
        Properties properties = withoutBlankCredentials(info);
        Target target;
        try {
            PluginSettings settings = SqlServerAccessTokenCallback.settings();
            target =
                    LoginPlan.target(Dialect.SQLSERVER, jdbcUrl, properties, null, settings.allowUnverifiedTransport());
        } catch (IllegalArgumentException e) {
            // the opt-in of this path is a JVM system property, like the callback's other settings
            String message = e.getMessage()
                    .replace(
                            "set allowUnverifiedTransport=true",
                            "set -D" + SqlServerAccessTokenCallback.SYSTEM_PROPERTY_PREFIX
                                    + "allowUnverifiedTransport=true");
            throw new SQLNonTransientConnectionException(NAME + " - " + message, "08001", e);
        }
        Properties base = target.driverProperties();
        // the data source's login-only timeouts (a silent server must not hold the login past loginTimeout), for the
        // loginTimeout the user gave mssql-jdbc: no pool hands this driver one
        Properties login = target.dialect().withLoginTimeout(base, SqlServerDialect.loginTimeout(base));
        SQLServerDataSource ds = new SQLServerDataSource();
        ds.setURL(SqlServerDialect.connectionString(jdbcUrl, login));
        // an instance for this connection: mssql-jdbc calls it for the login and for its own reconnects, both towards
        // the server whose transport was just checked
        ds.setAccessTokenCallback(new SqlServerAccessTokenCallback(true));
        Connection c;
        try {
            c = ds.getConnection();
        } catch (SQLException | RuntimeException e) {
            throw withTheLibrarysMessage(e);
        }
        return ConnectionReady.afterLogin(c, target);
    }

    static DriverPropertyInfo[] propertyInfo(String jdbcUrl, Properties info) throws SQLException {
        return new SQLServerDriver().getPropertyInfo(jdbcUrl, info);
    }

    /**
     * A failure of the callback (settings, token timeout, audience) as an SQLException whose message is the library's:
     * mssql-jdbc reports it under a message of its own, or not as an SQLException at all.
     */
    static SQLException withTheLibrarysMessage(Exception e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SqlServerAccessTokenCallback.Failure failure) {
                return new SQLException(
                        failure.getMessage(), e instanceof SQLException s ? s.getSQLState() : "08001", e);
            }
        }
        return e instanceof SQLException s ? s : new SQLException(e.getMessage(), "08001", e);
    }

    /** Pools and tools pass user="" / password="" for an empty field: nothing to refuse there. */
    private static Properties withoutBlankCredentials(Properties info) {
        Properties p = new Properties();
        for (String key : info.stringPropertyNames()) {
            String value = info.getProperty(key);
            boolean credential = key.equalsIgnoreCase("user") || key.equalsIgnoreCase("password");
            if (!(credential && (value == null || value.isEmpty()))) {
                p.setProperty(key, value);
            }
        }
        return p;
    }
}
