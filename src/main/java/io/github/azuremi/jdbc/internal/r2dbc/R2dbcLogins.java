package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.plugin.PluginLogin;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the connection factory of an {@code r2dbc:azuremi:<driver>://} URL (or options with that driver): reads
 * this library's settings, addresses the options to the named driver with verified TLS (refusing an unverified
 * transport before any token is fetched), and wraps the driver's factory so that each connection logs in with the
 * identity's current token, from the lease that the JDBC pools and plugins of the same identity share.
 */
public final class R2dbcLogins {

    /** The driver name of this library's URLs: {@code r2dbc:azuremi:postgresql://...}. */
    public static final String DRIVER = "azuremi";

    private static final Logger LOG = LoggerFactory.getLogger(R2dbcLogins.class);
    private static final Option<Object> PASSWORD = Option.valueOf(ConnectionFactoryOptions.PASSWORD.name());
    private static final String POSTGRESQL_PROVIDER = "io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider";

    private R2dbcLogins() {}

    /**
     * The factory for {@code options}, whose driver is {@link #DRIVER} and whose protocol names the database driver
     * (and the driver's own protocol after it, as in {@code postgresql:failover}).
     *
     * @throws IllegalArgumentException naming the setting and the fix
     */
    public static TokenLoginConnectionFactory create(ConnectionFactoryOptions options) {
        Object protocol = options.getValue(ConnectionFactoryOptions.PROTOCOL);
        String next = protocol == null ? "" : protocol.toString().trim();
        int colon = next.indexOf(':');
        String driver = (colon < 0 ? next : next.substring(0, colon)).toLowerCase(Locale.ROOT);
        String driverProtocol = colon < 0 ? "" : next.substring(colon + 1);
        switch (driver) {
            case "postgresql", "postgres" -> {
                return postgres(options, driverProtocol);
            }
            case "mssql", "sqlserver" ->
                throw new IllegalArgumentException("r2dbc:" + DRIVER + ":" + driver
                        + ": is not offered: r2dbc-mssql has no Entra (federated) authentication and limits the password to"
                        + " 128 characters, so an access token cannot log in to Azure SQL over R2DBC (r2dbc-mssql issues"
                        + " #234, #281). Use the JDBC data source (ManagedIdentityDataSource, or mssql-jdbc with"
                        + " SqlServerAccessTokenCallback) for Azure SQL");
            case "" ->
                throw new IllegalArgumentException("r2dbc:" + DRIVER
                        + ": needs the database driver after it, as in r2dbc:" + DRIVER
                        + ":postgresql://<server>.postgres.database.azure.com/<database>");
            default ->
                throw new IllegalArgumentException("r2dbc:" + DRIVER + ":" + driver
                        + ": is not a driver this library logs in with; it knows postgresql (r2dbc-postgresql)");
        }
    }

    private static TokenLoginConnectionFactory postgres(ConnectionFactoryOptions options, String driverProtocol) {
        if (!Dialect.isPresent(POSTGRESQL_PROVIDER)) {
            throw new IllegalArgumentException("r2dbc:" + DRIVER + ":postgresql: needs r2dbc-postgresql on the "
                    + "classpath; add the dependency org.postgresql:r2dbc-postgresql (1.1 or later)");
        }
        PluginSettings settings = R2dbcSettings.read(options);
        ConnectionFactoryOptions addressed = ConnectionFactoryOptions.builder()
                .from(options)
                .option(ConnectionFactoryOptions.DRIVER, "postgresql")
                .option(ConnectionFactoryOptions.PROTOCOL, driverProtocol)
                .build();
        ConnectionFactoryOptions secured =
                PostgresR2dbcTransport.secured(addressed, settings.allowUnverifiedTransport());
        List<String> hosts = PostgresR2dbcTransport.hosts(secured);
        String scope = PluginLogin.scope(Dialect.POSTGRESQL, settings, hosts.isEmpty() ? null : hosts.get(0));
        TokenKey key = new TokenKey(
                CredentialFactory.source(settings.credential(), settings.clientId(), settings.tenantId()),
                scope,
                settings.tenantId());
        TokenLease lease = TokenRegistry.shared().register(key, settings.timings(), null);
        ThreadHygiene.poolStarted();
        settings.warnings().forEach(w -> LOG.warn("r2dbc-postgresql - {}", w));
        LOG.info(
                "r2dbc-postgresql - login with access tokens from {} for scope {}",
                key.credential().description(),
                scope);
        ReactiveTokenSource tokens =
                new ReactiveTokenSource(lease, settings.timings().fetchTimeout());
        return new TokenLoginConnectionFactory(
                password -> ConnectionFactories.get(ConnectionFactoryOptions.builder()
                        .from(secured)
                        .option(PASSWORD, password)
                        .build()),
                tokens,
                Dialect.POSTGRESQL,
                () -> {
                    lease.close();
                    ThreadHygiene.poolClosed();
                });
    }
}
