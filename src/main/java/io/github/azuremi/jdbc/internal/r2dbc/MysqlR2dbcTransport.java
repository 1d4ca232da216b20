package io.github.azuremi.jdbc.internal.r2dbc;

import io.asyncer.r2dbc.mysql.constant.SslMode;
import io.github.azuremi.jdbc.internal.db.TransportRule;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The transport of an r2dbc-mysql (io.asyncer) login, decided before any token is fetched: the options as the driver
 * reads them ({@code sslMode} parsed as the driver does, upper-cased into {@link SslMode}; else {@code ssl=true},
 * which the driver maps to {@code REQUIRED}, or {@code ssl=false}, {@code DISABLED}), with
 * {@code sslMode=VERIFY_IDENTITY} added when the user chose nothing (the driver's default, {@code PREFERRED}, would
 * fall back to clear text). The token goes only to a server whose certificate and name were verified, or to this
 * machine (or over a Unix socket), unless {@code allowUnverifiedTransport=true}.
 *
 * <p>Loaded only once r2dbc-mysql is known to be on the classpath.
 */
final class MysqlR2dbcTransport {

    static final Option<Object> SSL_MODE = Option.valueOf("sslMode");
    static final Option<Object> UNIX_SOCKET = Option.valueOf("unixSocket");
    private static final String FIX = "use sslMode=VERIFY_IDENTITY (the JDK trust store verifies Azure's "
            + "certificates; sslCa=<CA file> for a private CA); only for a trusted network, set "
            + "allowUnverifiedTransport=true";

    private MysqlR2dbcTransport() {}

    /**
     * {@code options} (already addressed to r2dbc-mysql), with verified TLS added where the user chose no mode.
     *
     * @throws IllegalArgumentException naming the option and the fix, when the token would go to another machine
     *                                  without TLS, or over TLS that does not verify the server
     */
    static ConnectionFactoryOptions secured(ConnectionFactoryOptions options, boolean allowUnverifiedTransport) {
        List<String> remote = TransportRule.remote(hosts(options));
        Object chosen = options.getValue(SSL_MODE);
        String chosenBy = null;
        SslMode mode;
        if (chosen != null) {
            mode = chosen instanceof SslMode m ? m : parse(chosen.toString());
            chosenBy = "sslMode=" + chosen;
        } else if (options.hasOption(ConnectionFactoryOptions.SSL)) {
            Object ssl = options.getValue(ConnectionFactoryOptions.SSL);
            // the driver: ssl=true is REQUIRED (encrypts, verifies nothing), anything else DISABLED
            mode = Boolean.parseBoolean(String.valueOf(ssl).trim()) ? SslMode.REQUIRED : SslMode.DISABLED;
            chosenBy = "ssl=" + ssl + " without sslMode";
        } else {
            mode = SslMode.VERIFY_IDENTITY;
        }
        return NettyTlsHooks.securedWith(
                options,
                new TransportRule.Protection(
                        mode.startSsl(),
                        !mode.requireSsl() && mode != SslMode.TUNNEL,
                        mode.verifyCertificate(),
                        mode.verifyIdentity()),
                chosenBy,
                remote,
                allowUnverifiedTransport,
                FIX,
                SSL_MODE,
                SslMode.VERIFY_IDENTITY.name());
    }

    /** The server the driver connects to: the host, or nothing over a Unix socket (which the driver prefers). */
    static List<String> hosts(ConnectionFactoryOptions options) {
        return options.hasOption(UNIX_SOCKET) ? new ArrayList<>() : R2dbcHosts.of(options, false);
    }

    private static SslMode parse(String text) {
        try {
            return SslMode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sslMode=" + text + " is not a mode r2dbc-mysql knows; use VERIFY_IDENTITY", e);
        }
    }
}
