package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Properties;

/**
 * PostgreSQL and MySQL: the token is the password of the user. The driver is found as HikariCP finds it
 * ({@code driverClassName}, else by URL). Each login gets the dialect's login timeouts, so that a silent server cannot
 * hold it longer than Hikari's login timeout (from {@code connectionTimeout}).
 */
final class PasswordLogin implements TokenAuthenticatingDataSource.Login {

    private final Driver driver;
    private final String jdbcUrl;
    private final Target target;

    /** @throws IllegalStateException when the driver cannot be loaded (the message says why) */
    PasswordLogin(Target target, String jdbcUrl, String driverClassName) {
        this.driver = driver(jdbcUrl, driverClassName);
        this.jdbcUrl = jdbcUrl;
        this.target = target;
    }

    @Override
    public Connection connect(String username, CachedToken token, Duration timeout) throws SQLException {
        Dialect dialect = target.dialect();
        Properties props = dialect.withLoginTimeout(target.driverProperties(), timeout);
        props.setProperty("user", username);
        props.setProperty("password", token.accessToken());
        Connection c = driver.connect(jdbcUrl, props);
        if (c == null) {
            throw new SQLException("the driver " + driver.getClass().getName() + " does not accept jdbcUrl", "08001");
        }
        return ConnectionReady.afterLogin(c, target);
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
                    c = Class.forName(
                            driverClassName, true, tccl != null ? tccl : PasswordLogin.class.getClassLoader());
                } catch (ClassNotFoundException notInTccl) {
                    c = Class.forName(driverClassName, true, PasswordLogin.class.getClassLoader());
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
