package io.github.azuremi.jdbc.lifecycle;

import io.github.azuremi.jdbc.plugin.DriverPlugins;
import io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Properties;
import java.util.function.Function;
import org.postgresql.plugin.AuthenticationRequestType;

/**
 * What a web application that uses only the pgjdbc plugin does, loaded by the application's own class loader: a
 * login with only a URL (azure-identity's real managed-identity credential, its JDK HTTP client), a query, then the
 * application's stop: {@link DriverPlugins#release(ClassLoader)} (what the library's ServletContainerInitializer calls
 * in Tomcat) and the container's deregistration of the driver. {@link ClassLoaderLeakMain} runs it reflectively.
 */
public final class PluginLeakScenario implements Function<String[], String> {

    @Override
    public String apply(String[] args) {
        String url = args[0];
        try {
            // the local endpoint makes each new token the role's password, read by PostgreSQL when a login starts: the
            // first token is fetched before the first login (see PostgresPluginTest.warm)
            new PostgresAuthenticationPlugin(org.postgresql.Driver.parseURL(url, new Properties()))
                    .getPassword(AuthenticationRequestType.SASL);
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            DriverPlugins.release(PluginLeakScenario.class.getClassLoader()); // the application stops
            for (Driver driver : Collections.list(DriverManager.getDrivers())) {
                if (driver.getClass().getClassLoader() == PluginLeakScenario.class.getClassLoader()) {
                    try {
                        DriverManager.deregisterDriver(driver);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }
}
