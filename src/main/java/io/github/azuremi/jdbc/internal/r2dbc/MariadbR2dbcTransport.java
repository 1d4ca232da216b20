package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.db.TransportRule;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;
import org.mariadb.r2dbc.SslMode;

/**
 * The transport of an r2dbc-mariadb login, decided before any token is fetched: {@code sslMode} as the driver parses
 * it ({@link SslMode#from}; {@code ssl} alone counts as a choice that verifies nothing), with {@code sslMode=verify-full}
 * and the JDK trust store ({@code fallbackToSystemTrustStore=true}, unless a {@code serverSslCert} is named) added when
 * the user chose no mode. The token goes only to a server whose certificate and name were verified, or to this
 * machine, unless {@code allowUnverifiedTransport=true}.
 *
 * <p>Loaded only once r2dbc-mariadb is known to be on the classpath.
 */
final class MariadbR2dbcTransport {

    static final Option<Object> SSL_MODE = Option.valueOf("sslMode");
    static final Option<Object> SERVER_SSL_CERT = Option.valueOf("serverSslCert");
    static final Option<Object> FALLBACK_TO_SYSTEM_TRUST_STORE = Option.valueOf("fallbackToSystemTrustStore");
    static final Option<Object> SSL_CONTEXT_BUILDER_CUSTOMIZER = Option.valueOf("sslContextBuilderCustomizer");
    static final Option<Object> SSL_TUNNEL_DISABLE_HOST_VERIFICATION =
            Option.valueOf("sslTunnelDisableHostVerification");
    private static final String FIX = "use sslMode=verify-full (with serverSslCert=<CA file> for a private CA; the "
            + "library adds fallbackToSystemTrustStore=true otherwise, so that the JDK trust store verifies Azure's "
            + "certificates); only for a trusted network, set allowUnverifiedTransport=true";

    private MariadbR2dbcTransport() {}

    /**
     * {@code options} (already addressed to r2dbc-mariadb), with verified TLS added where the user chose no mode.
     *
     * @throws IllegalArgumentException naming the option and the fix, when the token would go to another machine
     *                                  without TLS, or over TLS that does not verify the server
     */
    static ConnectionFactoryOptions secured(ConnectionFactoryOptions options, boolean allowUnverifiedTransport) {
        List<String> remote = R2dbcHosts.remote(options, true);
        Object chosen = options.getValue(SSL_MODE);
        String chosenBy = null;
        SslMode mode;
        if (chosen != null) {
            mode = chosen instanceof SslMode m ? m : parse(chosen.toString());
            chosenBy = "sslMode=" + chosen;
        } else if (options.hasOption(ConnectionFactoryOptions.SSL)) {
            mode = SslMode.TRUST; // not a verifying mode for certain: judged as the weakest TLS
            chosenBy = "ssl=" + options.getValue(ConnectionFactoryOptions.SSL) + " without sslMode";
        } else {
            mode = SslMode.VERIFY_FULL;
        }
        TransportRule.require(
                new TransportRule.Protection(
                        mode != SslMode.DISABLE,
                        false, // every mode but DISABLE requires TLS
                        mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL,
                        mode == SslMode.VERIFY_FULL),
                chosenBy,
                R2dbcSettings.WHERE,
                remote,
                allowUnverifiedTransport,
                FIX);
        if (!remote.isEmpty() && !allowUnverifiedTransport) {
            String server = String.join(", ", remote);
            for (Option<Object> weakening :
                    List.of(SSL_CONTEXT_BUILDER_CUSTOMIZER, SSL_TUNNEL_DISABLE_HOST_VERIFICATION)) {
                if (options.hasOption(weakening)
                        && !"false".equalsIgnoreCase(String.valueOf(options.getValue(weakening)))) {
                    throw new IllegalArgumentException(weakening.name() + " (in " + R2dbcSettings.WHERE
                            + ") can replace the verification of the certificate or name of " + server
                            + ", which this library cannot judge. Remove it and " + FIX);
                }
            }
        }
        ConnectionFactoryOptions.Builder secured =
                ConnectionFactoryOptions.builder().from(options);
        if (chosenBy == null) {
            secured.option(SSL_MODE, SslMode.VERIFY_FULL.value);
        }
        if (mode == SslMode.VERIFY_FULL
                && !options.hasOption(SERVER_SSL_CERT)
                && !options.hasOption(FALLBACK_TO_SYSTEM_TRUST_STORE)) {
            secured.option(FALLBACK_TO_SYSTEM_TRUST_STORE, true);
        }
        return secured.build();
    }

    private static SslMode parse(String text) {
        try {
            return SslMode.from(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sslMode has a value r2dbc-mariadb does not know (" + e.getMessage() + "); use verify-full", e);
        }
    }
}
