package io.github.azuremi.jdbc.lifecycle;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * What a web application does with the library, loaded by the application's own class loader: open a
 * pool, query, close the pool (undeploy). {@link ClassLoaderLeakMain} runs it reflectively.
 */
public final class LeakScenario implements Function<String[], String> {

    @Override
    public String apply(String[] args) {
        String jdbcUrl = args[0];
        String role = args[1];
        String token = args[2];
        OffsetDateTime expiresAt = OffsetDateTime.parse(args[3]);
        // A credential of the application's own: this scenario is about the library's threads and class loader,
        // not about azure-identity's HTTP client.
        TokenCredential credential = new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.fromCallable(() -> getTokenSync(request));
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                return new AccessToken(token, expiresAt);
            }
        };
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setPoolName("leak-scenario");
            ds.setJdbcUrl(jdbcUrl);
            ds.setUsername(role);
            ds.setTokenCredential(credential);
            ds.setTokenFetchTimeout(5_000);
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                return rs.getString(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            deregisterDrivers();
        }
    }

    /**
     * What the container does at undeploy (Tomcat's JdbcLeakPrevention, which it loads into the application's
     * own loader for this reason): DriverManager shows a caller only the drivers its loader can see.
     */
    private static void deregisterDrivers() {
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == LeakScenario.class.getClassLoader()) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
