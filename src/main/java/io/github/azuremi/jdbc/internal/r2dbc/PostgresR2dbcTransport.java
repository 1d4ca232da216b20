package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.db.TransportRule;
import io.r2dbc.postgresql.client.SSLMode;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;

/**
 * The transport of an r2dbc-postgresql login, decided before any token is fetched: the options as the driver reads
 * them ({@code sslMode}, else its alias {@code sslmode}, else {@code ssl=true} meaning verify-full; parsed by the
 * driver's own {@link SSLMode}), with {@code sslMode=verify-full} added when the user chose nothing. The token goes
 * only to a server whose certificate and name were verified, or to this machine, unless the user opted out with
 * {@code allowUnverifiedTransport=true}.
 *
 * <p>Loaded only once r2dbc-postgresql is known to be on the classpath.
 */
final class PostgresR2dbcTransport {

    static final Option<Object> SSL_MODE = Option.valueOf("sslMode");
    static final Option<Object> SSL_MODE_ALIAS = Option.valueOf("sslmode");
    private static final String FAILOVER = "failover";
    private static final String FIX = "use sslMode=verify-full (the JDK trust store verifies Azure's certificates; "
            + "sslRootCert=<CA file> for a private CA); only for a trusted network, set allowUnverifiedTransport=true";

    private PostgresR2dbcTransport() {}

    /**
     * {@code options} (already addressed to r2dbc-postgresql), with verified TLS added where the user chose no mode.
     *
     * @throws IllegalArgumentException naming the option and the fix, when the token would go to another machine
     *                                  without TLS, or over TLS that does not verify the server
     */
    static ConnectionFactoryOptions secured(ConnectionFactoryOptions options, boolean allowUnverifiedTransport) {
        List<String> remote = R2dbcHosts.remote(
                options, FAILOVER.equals(String.valueOf(options.getValue(ConnectionFactoryOptions.PROTOCOL))));
        String chosenBy = null;
        SSLMode mode;
        Object sslMode = first(options, SSL_MODE, SSL_MODE_ALIAS);
        if (sslMode != null) {
            mode = sslMode instanceof SSLMode m ? m : parse(sslMode.toString());
            chosenBy = (options.hasOption(SSL_MODE) ? "sslMode=" : "sslmode=") + mode;
        } else if (options.hasOption(ConnectionFactoryOptions.SSL)) {
            boolean ssl = Boolean.parseBoolean(String.valueOf(options.getValue(ConnectionFactoryOptions.SSL))
                    .trim());
            mode = ssl ? SSLMode.VERIFY_FULL : SSLMode.DISABLE; // the driver's enableSsl() is verify-full
            chosenBy = "ssl=" + ssl;
        } else {
            mode = SSLMode.VERIFY_FULL;
        }
        return NettyTlsHooks.securedWith(
                options,
                new TransportRule.Protection(
                        mode.startSsl(), !mode.requireSsl(), mode.verifyCertificate(), mode.verifyPeerName()),
                chosenBy,
                remote,
                allowUnverifiedTransport,
                FIX,
                SSL_MODE,
                SSLMode.VERIFY_FULL.toString());
    }

    /** The hosts as the driver reads them: one, or for {@code failover} a list of host[:port]. */
    static List<String> hosts(ConnectionFactoryOptions options) {
        return R2dbcHosts.of(
                options, FAILOVER.equals(String.valueOf(options.getValue(ConnectionFactoryOptions.PROTOCOL))));
    }

    private static Object first(ConnectionFactoryOptions options, Option<Object> a, Option<Object> b) {
        Object value = options.getValue(a);
        return value != null ? value : options.getValue(b);
    }

    private static SSLMode parse(String text) {
        try {
            return SSLMode.fromValue(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sslMode has a value r2dbc-postgresql does not know (" + e.getMessage() + "); use verify-full", e);
        }
    }
}
