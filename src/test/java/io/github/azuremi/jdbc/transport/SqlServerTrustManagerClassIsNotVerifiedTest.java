package io.github.azuremi.jdbc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.plugin.SqlServerTokenDriver;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review of issue 16 row 2: mssql-jdbc's {@code trustManagerClass} replaces its whole certificate check with the
 * named class, and mssql-jdbc does not wrap that class in its host-name check (TDSChannel.enableSSL: only the
 * default trust managers get HostNameOverrideX509TrustManager). The transport check treats encrypt=true with
 * trustServerCertificate=false as verified whatever trustManagerClass says, so a class that accepts everything (or a
 * verifying one, towards any host that has a certificate from that CA) gets the token to a man in the middle, on
 * the path that promises "a token goes only over TLS that verifies the server".
 */
class SqlServerTrustManagerClassIsNotVerifiedTest {

    private static final InetAddress REMOTE = NonLoopbackAddress.get();

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private String clientId;
    private FakeTdsServer server;

    /** What a user copies from a "fix certificate errors" answer; mssql-jdbc instantiates it by name. */
    public static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @BeforeEach
    void start() {
        endpoint.reset();
        clientId = UUID.randomUUID().toString();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", clientId);
        server = FakeTdsServer.start(this::verify, new FakeTdsServer.Options().bindAddress(REMOTE));
    }

    @AfterEach
    void stop() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        server.close();
    }

    /** mssql-jdbc consults trustManagerClass before its TDS 8 (strict) branch: strict does not help either. */
    @ParameterizedTest(name = "trustManagerClass with encrypt={0}")
    @ValueSource(strings = {"true", "strict"})
    void trustManagerClassIsNotTakenAsAVerifiedTransport(String encrypt) {
        String url = SqlServerTokenDriver.URL_PREFIX + "//" + REMOTE.getHostAddress() + ":" + server.port()
                + ";databaseName=app;loginTimeout=10;encrypt=" + encrypt + ";trustManagerClass="
                + TrustEverything.class.getName();
        Throwable failure =
                catchThrowable(() -> DriverManager.getConnection(url).close());
        assertThat(server.lastToken() != null)
                .as("the token reached the fake server (self-signed certificate, not loopback)")
                .isFalse();
        assertThat(failure)
                .isNotNull()
                .hasMessageStartingWith("SqlServerTokenDriver - trustManagerClass=" + TrustEverything.class.getName()
                        + " replaces mssql-jdbc's check of the certificate of " + REMOTE.getHostAddress())
                .hasMessageContaining("set -Dazuremi.allowUnverifiedTransport=true");
        assertThat(endpoint.issuedTokens())
                .as("no token was even fetched")
                .noneMatch(t -> t.clientId().equals(clientId));
    }

    /** What held: under strict, trustServerCertificate=true is ignored by mssql-jdbc, as the transport check assumes. */
    @Test
    void strictWithTrustServerCertificateStillVerifies() {
        String url = SqlServerTokenDriver.URL_PREFIX + "//" + REMOTE.getHostAddress() + ":" + server.port()
                + ";databaseName=app;loginTimeout=10;encrypt=strict;trustServerCertificate=true;hostNameInCertificate=localhost";
        assertThat(catchThrowable(() -> DriverManager.getConnection(url).close()))
                .isNotNull();
        assertThat(server.lastToken() != null)
                .as("the token reached the fake server")
                .isFalse();
    }

    private Optional<String> verify(String token) {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.accessToken().equals(token) && t.expiresOn().isAfter(Instant.now()))
                .findFirst()
                .map(t -> "mi-" + t.clientId());
    }
}
