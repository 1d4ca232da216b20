package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.db.TransportRule;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;

/**
 * The two options by which r2dbc-postgresql and r2dbc-mysql let code of the user's replace how the server's certificate
 * is checked. The library cannot judge such code, so towards another machine either one is refused, in the same words
 * for both drivers.
 */
final class NettyTlsHooks {

    static final Option<Object> SSL_HOSTNAME_VERIFIER = Option.valueOf("sslHostnameVerifier");
    static final Option<Object> SSL_CONTEXT_BUILDER_CUSTOMIZER = Option.valueOf("sslContextBuilderCustomizer");

    private NettyTlsHooks() {}

    /**
     * The transport rule for the drivers with these hooks: the chosen mode must protect the token towards another
     * machine, neither hook may replace the verification there, and where the user chose no mode ({@code chosenBy}
     * null) the driver's verifying mode is set.
     *
     * @throws IllegalArgumentException naming the option and the fix, when the token would not be protected
     */
    static ConnectionFactoryOptions securedWith(
            ConnectionFactoryOptions options,
            TransportRule.Protection protection,
            String chosenBy,
            List<String> remote,
            boolean allowUnverifiedTransport,
            String fix,
            Option<Object> modeOption,
            String verifyingMode) {
        TransportRule.require(protection, chosenBy, R2dbcSettings.WHERE, remote, allowUnverifiedTransport, fix);
        if (!remote.isEmpty() && !allowUnverifiedTransport) {
            refuse(options, String.join(", ", remote), fix);
        }
        return chosenBy != null
                ? options
                : ConnectionFactoryOptions.builder()
                        .from(options)
                        .option(modeOption, verifyingMode)
                        .build();
    }

    /**
     * @param server the remote server(s), for the message
     * @param fix what to do instead (the driver's verifying mode)
     * @throws IllegalArgumentException naming the option and the fix when either is set
     */
    static void refuse(ConnectionFactoryOptions options, String server, String fix) {
        if (options.hasOption(SSL_HOSTNAME_VERIFIER)) {
            throw new IllegalArgumentException("sslHostnameVerifier (in " + R2dbcSettings.WHERE
                    + ") replaces the driver's check of the name in the certificate of " + server
                    + " with one this library cannot judge: one that accepts every name lets anyone with a "
                    + "certificate from a trusted CA pose as the server and read the access token. Remove it (the "
                    + "driver checks the name itself); only for a trusted network, set allowUnverifiedTransport=true");
        }
        if (options.hasOption(SSL_CONTEXT_BUILDER_CUSTOMIZER)) {
            throw new IllegalArgumentException("sslContextBuilderCustomizer (in " + R2dbcSettings.WHERE
                    + ") can replace the verification of the certificate of " + server
                    + " (a trust manager that trusts every certificate), which this library cannot judge. Remove it "
                    + "and " + fix);
        }
    }
}
