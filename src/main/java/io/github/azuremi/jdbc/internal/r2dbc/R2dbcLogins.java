package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.login.LoginScope;
import io.github.azuremi.jdbc.internal.login.PoolIdentity;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

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
    private static final String MARIADB_PROVIDER = "org.mariadb.r2dbc.MariadbConnectionFactoryProvider";
    private static final String MYSQL_PROVIDER = "io.asyncer.r2dbc.mysql.MySqlConnectionFactoryProvider";
    private static final Option<Object> PASSWORD_PUBLISHER = Option.valueOf("passwordPublisher");

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
            case "mariadb" -> {
                return mariadb(options, driverProtocol);
            }
            case "mysql" -> {
                return mysql(options, driverProtocol);
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
                        + ": is not a driver this library logs in with; it knows postgresql (r2dbc-postgresql), mariadb"
                        + " (r2dbc-mariadb) and mysql (r2dbc-mysql)");
        }
    }

    private static TokenLoginConnectionFactory postgres(ConnectionFactoryOptions options, String driverProtocol) {
        requireDriver(POSTGRESQL_PROVIDER, "postgresql", "org.postgresql:r2dbc-postgresql (1.1 or later)");
        PluginSettings settings = R2dbcSettings.read(options);
        ConnectionFactoryOptions secured = PostgresR2dbcTransport.secured(
                addressed(options, "postgresql", driverProtocol), settings.allowUnverifiedTransport());
        Lease lease = lease(Dialect.POSTGRESQL, settings, PostgresR2dbcTransport.hosts(secured), "r2dbc-postgresql");
        try {
            // one driver factory: it asks the password publisher on every attempt, after TLS is up
            ConnectionFactory driver = ConnectionFactories.get(ConnectionFactoryOptions.builder()
                    .from(secured)
                    .option(PASSWORD, TokenLoginConnectionFactory.passwordOfTheAttempt(lease.tokens))
                    .build());
            return lease.factory(
                    TokenLoginConnectionFactory.throughContext(driver), driver.getMetadata(), Dialect.POSTGRESQL);
        } catch (RuntimeException | Error e) {
            lease.release(); // the driver refused its options: nothing may keep the token refreshing
            throw e;
        }
    }

    private static TokenLoginConnectionFactory mariadb(ConnectionFactoryOptions options, String driverProtocol) {
        requireDriver(MARIADB_PROVIDER, "mariadb", "org.mariadb:r2dbc-mariadb (1.4 or later)");
        PluginSettings settings = R2dbcSettings.read(options);
        ConnectionFactoryOptions secured = MariadbR2dbcTransport.secured(
                addressed(options, "mariadb", driverProtocol), settings.allowUnverifiedTransport());
        Function<String, ConnectionFactory> withPassword =
                password -> ConnectionFactories.get(ConnectionFactoryOptions.builder()
                        .from(secured)
                        .option(PASSWORD, password)
                        .build());
        // built once without a token: the driver checks its options (and reads serverSslCert) before a lease exists
        ConnectionFactoryMetadata metadata = withPassword.apply("").getMetadata();
        Lease lease = lease(Dialect.MYSQL, settings, R2dbcHosts.of(secured, true), "r2dbc-mariadb");
        return lease.factory(new PerTokenDriverFactory(withPassword), metadata, Dialect.MYSQL);
    }

    private static TokenLoginConnectionFactory mysql(ConnectionFactoryOptions options, String driverProtocol) {
        requireDriver(MYSQL_PROVIDER, "mysql", "io.asyncer:r2dbc-mysql (1.1 or later)");
        PluginSettings settings = R2dbcSettings.read(options);
        ConnectionFactoryOptions secured = MysqlR2dbcTransport.secured(
                addressed(options, "mysql", driverProtocol), settings.allowUnverifiedTransport());
        Lease lease = lease(Dialect.MYSQL, settings, MysqlR2dbcTransport.hosts(secured), "r2dbc-mysql");
        try {
            // one driver factory: it subscribes the password publisher once per connection, before connecting
            Publisher<String> password = Mono.from(TokenLoginConnectionFactory.passwordOfTheAttempt(lease.tokens))
                    .map(CharSequence::toString);
            ConnectionFactory driver = ConnectionFactories.get(ConnectionFactoryOptions.builder()
                    .from(secured)
                    .option(PASSWORD_PUBLISHER, password)
                    .build());
            return lease.factory(
                    TokenLoginConnectionFactory.throughContext(driver), driver.getMetadata(), Dialect.MYSQL);
        } catch (RuntimeException | Error e) {
            lease.release(); // the driver refused its options: nothing may keep the token refreshing
            throw e;
        }
    }

    private static void requireDriver(String provider, String name, String artifact) {
        if (!Dialect.isPresent(provider)) {
            throw new IllegalArgumentException("r2dbc:" + DRIVER + ":" + name + ": needs its R2DBC driver on the "
                    + "classpath; add the dependency " + artifact);
        }
    }

    /** {@code options} for the next driver: ours is replaced by it, the rest (our settings too) is left as given. */
    private static ConnectionFactoryOptions addressed(
            ConnectionFactoryOptions options, String driver, String driverProtocol) {
        return ConnectionFactoryOptions.builder()
                .from(options)
                .option(ConnectionFactoryOptions.DRIVER, driver)
                .option(ConnectionFactoryOptions.PROTOCOL, driverProtocol)
                .build();
    }

    /** The identity's token for logins to {@code hosts}, from the registry every JDBC and R2DBC pool shares. */
    private static Lease lease(Dialect dialect, PluginSettings settings, List<String> hosts, String what) {
        String scope = LoginScope.choose(
                dialect,
                settings.scope(),
                settings.cloud(),
                hosts.isEmpty() ? null : hosts.get(0),
                LoginPlan.PLUGIN_SCOPE_HINT);
        TokenKey key = new TokenKey(
                CredentialFactory.source(settings.credential(), settings.clientId(), settings.tenantId()),
                scope,
                settings.tenantId());
        // the fan-out is registered now, with the lease: metrics and health attach to it later (Spring, once its
        // beans exist), and whatever attaches sees every request from then on
        TokenListenerFanout listeners = new TokenListenerFanout();
        // released after an hour without a new connection, registered again by the next (FactoryLease)
        FactoryLease lease =
                FactoryLease.shared(key, () -> TokenRegistry.shared().register(key, settings.timings(), listeners));
        settings.warnings().forEach(w -> LOG.warn("{} - {}", what, w));
        LOG.info(
                "{} - login with access tokens from {} for scope {}",
                what,
                key.credential().description(),
                scope);
        String identityTag = new PoolIdentity(
                        null,
                        settings.credential() == null
                                ? null
                                : settings.credential().settingValue(),
                        settings.clientId(),
                        settings.tenantId())
                .metricTag();
        return new Lease(
                new FactoryTokenUse(lease, listeners, identityTag),
                new ReactiveTokenSource(lease::forLogin, key, settings.timings().fetchTimeout(), TokenWaits.shared()));
    }

    private record Lease(FactoryTokenUse use, ReactiveTokenSource tokens) {
        void release() {
            use.lease().close();
        }

        TokenLoginConnectionFactory factory(
                Function<LoginAttempt, Publisher<? extends Connection>> connect,
                ConnectionFactoryMetadata metadata,
                Dialect dialect) {
            return new TokenLoginConnectionFactory(connect, metadata, tokens, use, dialect, this::release);
        }
    }
}
