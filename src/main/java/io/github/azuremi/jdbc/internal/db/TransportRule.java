package io.github.azuremi.jdbc.internal.db;

import java.util.ArrayList;
import java.util.List;

/**
 * The rule for the transport of a token, decided before any token is fetched, for surfaces whose driver reports its
 * TLS mode as a value of its own (the R2DBC drivers): the mode is described by what it protects ({@link Protection}),
 * judged here by one rule, and refused towards another machine in one wording that names the setting as the user
 * spelt it and the fix, unless the user opted in with {@code allowUnverifiedTransport=true}. The drivers' mode types
 * stay with their drivers; what counts as verified, which hosts are this machine and what the refusal says live here.
 */
public final class TransportRule {

    /**
     * What one TLS mode of a driver does.
     *
     * @param encrypts            TLS is started (asked for) at all
     * @param mayFallBack         the connection goes on in clear text when the server declines TLS
     * @param verifiesCertificate the server's certificate chain is checked against trusted roots
     * @param verifiesName        the server's name is checked against its certificate
     */
    public record Protection(boolean encrypts, boolean mayFallBack, boolean verifiesCertificate, boolean verifiesName) {

        /** TLS that cannot be skipped and verifies certificate and name: the only transport a token may take. */
        public boolean verified() {
            return encrypts && !mayFallBack && verifiesCertificate && verifiesName;
        }
    }

    private TransportRule() {}

    /** The hosts among {@code hosts} that are not this machine for certain (see {@link Dialect#isLoopback}). */
    public static List<String> remote(List<String> hosts) {
        List<String> remote = new ArrayList<>();
        for (String host : hosts) {
            if (!Dialect.isLoopback(host)) {
                remote.add(host);
            }
        }
        return remote;
    }

    /**
     * @param chosenBy the setting as the user spelt it ({@code sslMode=require}, {@code ssl=true without sslMode})
     * @param where    where the settings come from ("the R2DBC URL or options")
     * @param remote   the hosts the token would go to that are not this machine
     * @param fix      the driver's verifying setting, and the opt-in
     * @throws IllegalArgumentException when {@code protection} is not {@link Protection#verified} towards a remote host
     *                                  and {@code allowUnverifiedTransport} is false
     */
    public static void require(
            Protection protection,
            String chosenBy,
            String where,
            List<String> remote,
            boolean allowUnverifiedTransport,
            String fix) {
        if (protection.verified() || remote.isEmpty() || allowUnverifiedTransport) {
            return;
        }
        String server = String.join(", ", remote);
        throw new IllegalArgumentException(chosenBy + " (in " + where + ") "
                + (protection.encrypts()
                        ? (protection.mayFallBack() ? "may fall back to clear text and " : "")
                                + "does not verify the " + (protection.verifiesCertificate() ? "name" : "certificate")
                                + " of " + server + ": whoever answers there would get the access token"
                        : "sends the access token to " + server + " without TLS")
                + " (and can log in as the identity until it expires). Instead, " + fix);
    }
}
