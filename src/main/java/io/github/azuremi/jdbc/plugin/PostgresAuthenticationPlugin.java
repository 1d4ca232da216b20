package io.github.azuremi.jdbc.plugin;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.plugin.PluginLogin;
import java.util.Properties;
import org.postgresql.plugin.AuthenticationPlugin;
import org.postgresql.plugin.AuthenticationRequestType;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/**
 * pgjdbc's password plugin: the password of every login is an access token from the library's process-wide cache.
 * Name it in the JDBC URL, with the role mapped to the identity as the user:
 *
 * <pre>{@code
 * jdbc:postgresql://<server>.postgres.database.azure.com:5432/<db>?sslmode=verify-full
 *     &sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory
 *     &authenticationPluginClassName=io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin
 *     &user=<role>&managedIdentityClientId=<client id of a user-assigned identity>
 * }</pre>
 *
 * <p>Settings (URL parameters or driver properties) are those of {@code ManagedIdentityDataSource}
 * ({@code credential}, {@code managedIdentityClientId}, {@code tenantId}, {@code tokenScope}, the token timings,
 * {@code allowUnverifiedTransport}) and azure-identity-extensions' {@code azure.*} names. A login is refused, with a
 * message naming the setting, when a setting is wrong or unknown, or when the connection does not verify the server
 * (anything but {@code sslmode=verify-full}) towards a host other than this machine.
 *
 * <p>pgjdbc makes one instance per login and calls it on the connecting thread; the token comes from the cache
 * shared with every other plugin and pool of the same identity and scope, refreshed ahead of expiry, so a login
 * waits only for the very first token. Thread-safe.
 */
public final class PostgresAuthenticationPlugin implements AuthenticationPlugin {

    private final Properties properties;

    /** Called by pgjdbc with the login's properties (the URL's parameters merged with the driver properties). */
    public PostgresAuthenticationPlugin(Properties properties) {
        this.properties = properties == null ? new Properties() : properties;
    }

    @Override
    public char[] getPassword(AuthenticationRequestType type) throws PSQLException {
        String name = getClass().getSimpleName();
        try {
            return PluginLogin.pgjdbcToken(properties, name)
                    .toCharArray(); // pgjdbc wipes the array: a new one per call
        } catch (IllegalArgumentException e) {
            throw new PSQLException(name + " - " + e.getMessage(), PSQLState.INVALID_PARAMETER_VALUE);
        } catch (TokenUnavailableException e) {
            throw new PSQLException(name + " - " + e.getMessage(), PSQLState.CONNECTION_UNABLE_TO_CONNECT, e);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
