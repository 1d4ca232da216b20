package io.github.azuremi.jdbc.internal.db;

import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Properties;

/** The ways a token reaches a driver: as the password, or through mssql-jdbc's callback. */
public final class Logins {

    private Logins() {}

    /**
     * PostgreSQL and MySQL: the token is the password of {@code username}. The driver is found as HikariCP finds it
     * ({@code driverClassName}, else by URL). Each login gets the dialect's login timeouts, so that a silent server
     * cannot hold it longer than Hikari's login timeout (from {@code connectionTimeout}).
     */
    public static TokenAuthenticatingDataSource.Login asPassword(
            Target target, String jdbcUrl, String driverClassName) {
        Driver driver = driver(jdbcUrl, driverClassName);
        Dialect dialect = target.dialect();
        Properties base = target.driverProperties();
        return (username, token, timeout) -> {
            Properties props = dialect.withLoginTimeout(base, timeout);
            props.setProperty("user", username);
            props.setProperty("password", token.accessToken());
            Connection c = driver.connect(jdbcUrl, props);
            if (c == null) {
                throw new SQLException(
                        "the driver " + driver.getClass().getName() + " does not accept jdbcUrl", "08001");
            }
            try {
                dialect.afterLogin(c, base);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            return c;
        };
    }

    /** SQL Server: the token goes through the driver's access-token callback; no user, no password. */
    public static TokenAuthenticatingDataSource.Login throughSqlServerCallback(
            String jdbcUrl, Target target, TokenLease lease, Duration reconnectTimeout) {
        if (!isSqlServerCallbackAvailable()) {
            throw new IllegalStateException(
                    "jdbc:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath (it has "
                            + "SQLServerAccessTokenCallback); add the dependency com.microsoft.sqlserver:mssql-jdbc");
        }
        return SqlServerLogin.create(jdbcUrl, target, lease, reconnectTimeout);
    }

    public static boolean isSqlServerCallbackAvailable() {
        return Dialect.isPresent("com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback");
    }

    /** As HikariCP's DriverDataSource: a registered driver of that class, else a new instance, else by URL. */
    private static Driver driver(String jdbcUrl, String driverClassName) {
        try {
            if (driverClassName != null) {
                for (Enumeration<Driver> e = DriverManager.getDrivers(); e.hasMoreElements(); ) {
                    Driver d = e.nextElement();
                    if (d.getClass().getName().equals(driverClassName)) {
                        return d;
                    }
                }
                ClassLoader tccl = Thread.currentThread().getContextClassLoader();
                Class<?> c;
                try {
                    c = Class.forName(driverClassName, true, tccl != null ? tccl : Logins.class.getClassLoader());
                } catch (ClassNotFoundException notInTccl) {
                    c = Class.forName(driverClassName, true, Logins.class.getClassLoader());
                }
                return (Driver) c.getDeclaredConstructor().newInstance();
            }
            return DriverManager.getDriver(jdbcUrl);
        } catch (SQLException | ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new IllegalStateException(
                    (driverClassName != null
                                    ? driverClassName + " cannot be loaded"
                                    : "no registered driver accepts it")
                            + " (" + e.getClass().getSimpleName() + ")",
                    e);
        }
    }
}
