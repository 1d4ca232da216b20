package io.github.azuremi.jdbc.r2dbc;

import io.github.azuremi.jdbc.internal.r2dbc.R2dbcLogins;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.ConnectionFactoryProvider;

/**
 * R2DBC's discovery of this library's connection factories: a URL whose driver is {@code azuremi} logs in with
 * Microsoft Entra access tokens of the application's identity instead of a password, through the database's own
 * R2DBC driver named after it:
 *
 * <pre>{@code
 * r2dbc:azuremi:postgresql://<server>.postgres.database.azure.com/<database>?user=<role>&managedIdentityClientId=<id>
 * r2dbc:pool:azuremi:postgresql://...          (r2dbc-pool on top)
 * }</pre>
 *
 * <p>The settings are those of the JDBC plugins ({@code credential}, {@code managedIdentityClientId},
 * {@code tenantId}, {@code tokenScope}, the token timings, {@code allowUnverifiedTransport}, and
 * azure-identity-extensions' {@code azure.*} names), as URL parameters or options. TLS that verifies the server
 * ({@code sslMode=verify-full}) is set unless a mode was chosen; a weaker one towards another machine is refused
 * before any token is fetched. No thread of Reactor, Netty or the pool ever waits for a token: the first one is
 * awaited on a thread of the library's own, and later ones come from the cache that every JDBC and R2DBC pool of
 * the same identity shares. A token the server refuses is replaced once per connection.
 *
 * <p>Found by {@link java.util.ServiceLoader}; applications use {@code ConnectionFactories.get(url)}.
 */
public final class ManagedIdentityConnectionFactoryProvider implements ConnectionFactoryProvider {

    /** The driver name of this library's URLs ({@code r2dbc:azuremi:...}). */
    public static final String DRIVER = R2dbcLogins.DRIVER;

    /**
     * @throws IllegalArgumentException when a setting is wrong or the transport would expose the token; the message
     *                                  names the setting and the fix
     */
    @Override
    public ConnectionFactory create(ConnectionFactoryOptions options) {
        return R2dbcLogins.create(options);
    }

    @Override
    public boolean supports(ConnectionFactoryOptions options) {
        return DRIVER.equals(options.getValue(ConnectionFactoryOptions.DRIVER));
    }

    @Override
    public String getDriver() {
        return DRIVER;
    }
}
