package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Protocol;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Tls;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * The transport-bypass rows of the JDBC suite ({@code transport.TransportBypassTest}) for the R2DBC drivers: every way
 * found to make the token travel to a non-loopback server in clear text or over TLS that does not verify the server,
 * one row each, against the real drivers and a fake server on a non-loopback address of this machine that records
 * what it receives. Each row runs against a server without TLS and against one with a self-signed certificate for its
 * own address (a man in the middle). A weaker form must be refused when the factory is made, naming the option, before
 * any token is fetched and before any connection; the verified default must fail in the TLS handshake (or for want of
 * TLS) without the token leaving. BlockHound watches throughout.
 */
class R2dbcTransportBypassTest {

    private static final InetAddress REMOTE = NonLoopbackAddress.get();
    private static final String VERIFIED = "verified TLS attempted";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @BeforeEach
    void resetEndpoint() {
        endpoint.reset();
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                // ---- r2dbc-postgresql ----
                pg("sslMode=disable", "postgresql://app@{remote}/app?sslMode=disable", "sslMode=disable"),
                pg("sslmode=disable (the driver's alias)", "postgresql://app@{remote}/app?sslmode=disable", "sslmode="),
                pg("sslMode=allow", "postgresql://app@{remote}/app?sslMode=allow", "sslMode=allow"),
                pg("sslMode=prefer", "postgresql://app@{remote}/app?sslMode=prefer", "sslMode=prefer"),
                pg(
                        "sslMode=require (encrypts, does not verify)",
                        "postgresql://app@{remote}/app?sslMode=require",
                        "sslMode=require"),
                pg(
                        "sslMode=verify-ca (no host name check)",
                        "postgresql://app@{remote}/app?sslMode=verify-ca",
                        "sslMode=verify-ca"),
                pg("ssl=false", "postgresql://app@{remote}/app?ssl=false", "ssl=false"),
                pg(
                        "verify-full with sslHostnameVerifier",
                        "postgresql://app@{remote}/app?sslMode=verify-full"
                                + "&sslHostnameVerifier=io.r2dbc.postgresql.client.DefaultHostnameVerifier",
                        "sslHostnameVerifier"),
                pg(
                        "verify-full with sslContextBuilderCustomizer",
                        "postgresql://app@{remote}/app?sslMode=verify-full"
                                + "&sslContextBuilderCustomizer=java.util.function.Function",
                        "sslContextBuilderCustomizer"),
                pg(
                        "failover localhost:1,REMOTE with sslMode=disable",
                        "postgresql:failover://app@localhost:1,{remote}/app?sslMode=disable",
                        "sslMode=disable"),
                pg(
                        "127.anything.example is not loopback",
                        "postgresql://app@127.anything.example:{port}/app?sslMode=disable",
                        "sslMode=disable"),
                pg("defaults", "postgresql://app@{remote}/app", VERIFIED),
                pg("ssl=true (the driver's verify-full)", "postgresql://app@{remote}/app?ssl=true", VERIFIED),
                // ---- r2dbc-mariadb ----
                maria("sslMode=disable", "mariadb://app@{remote}/app?sslMode=disable", "sslMode=disable"),
                maria("sslMode=trust", "mariadb://app@{remote}/app?sslMode=trust", "sslMode=trust"),
                maria(
                        "sslMode=REQUIRED (the driver's trust)",
                        "mariadb://app@{remote}/app?sslMode=REQUIRED",
                        "sslMode=REQUIRED"),
                maria(
                        "sslMode=verify-ca (no host name check)",
                        "mariadb://app@{remote}/app?sslMode=verify-ca",
                        "sslMode=verify-ca"),
                maria("ssl=true without sslMode", "mariadb://app@{remote}/app?ssl=true", "ssl=true"),
                maria(
                        "verify-full with sslTunnelDisableHostVerification",
                        "mariadb://app@{remote}/app?sslMode=verify-full&sslTunnelDisableHostVerification=true",
                        "sslTunnelDisableHostVerification"),
                maria(
                        "verify-full with sslContextBuilderCustomizer",
                        "mariadb://app@{remote}/app?sslMode=verify-full"
                                + "&sslContextBuilderCustomizer=java.util.function.Function",
                        "sslContextBuilderCustomizer"),
                maria(
                        "127.anything.example with sslMode=disable",
                        "mariadb://app@127.anything.example:{port}/app?sslMode=disable",
                        "sslMode=disable"),
                maria("defaults (verify-full, JDK trust store)", "mariadb://app@{remote}/app", VERIFIED),
                // ---- r2dbc-mysql (io.asyncer) ----
                my("sslMode=DISABLED", "mysql://app@{remote}/app?sslMode=DISABLED", "sslMode=DISABLED"),
                my(
                        "sslMode=PREFERRED (the driver's default)",
                        "mysql://app@{remote}/app?sslMode=PREFERRED",
                        "sslMode=PREFERRED"),
                my(
                        "sslMode=REQUIRED (encrypts, does not verify)",
                        "mysql://app@{remote}/app?sslMode=REQUIRED",
                        "sslMode=REQUIRED"),
                my(
                        "sslMode=VERIFY_CA (no host name check)",
                        "mysql://app@{remote}/app?sslMode=VERIFY_CA",
                        "sslMode=VERIFY_CA"),
                my("sslMode=TUNNEL (no host name check)", "mysql://app@{remote}/app?sslMode=TUNNEL", "sslMode=TUNNEL"),
                my(
                        "sslMode=required (the driver upper-cases it)",
                        "mysql://app@{remote}/app?sslMode=required",
                        "sslMode=required"),
                my("ssl=true (the driver's REQUIRED)", "mysql://app@{remote}/app?ssl=true", "ssl=true"),
                my("ssl=false (the driver's DISABLED)", "mysql://app@{remote}/app?ssl=false", "ssl=false"),
                my(
                        "VERIFY_IDENTITY with sslHostnameVerifier",
                        "mysql://app@{remote}/app?sslMode=VERIFY_IDENTITY"
                                + "&sslHostnameVerifier=javax.net.ssl.HostnameVerifier",
                        "sslHostnameVerifier"),
                my(
                        "VERIFY_IDENTITY with sslContextBuilderCustomizer",
                        "mysql://app@{remote}/app?sslMode=VERIFY_IDENTITY"
                                + "&sslContextBuilderCustomizer=java.util.function.Function",
                        "sslContextBuilderCustomizer"),
                my(
                        "127.anything.example with sslMode=DISABLED",
                        "mysql://app@127.anything.example:{port}/app?sslMode=DISABLED",
                        "sslMode=DISABLED"),
                my("defaults (VERIFY_IDENTITY, JDK trust store)", "mysql://app@{remote}/app", VERIFIED),
                my(
                        "sslmode=DISABLED (lower-case key: the driver ignores it)",
                        "mysql://app@{remote}/app?sslmode=DISABLED",
                        VERIFIED),
                my(
                        "ssl=false with an explicit sslMode=VERIFY_IDENTITY (sslMode wins)",
                        "mysql://app@{remote}/app?ssl=false&sslMode=VERIFY_IDENTITY",
                        VERIFIED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theTokenNeverReachesARemoteServerInClearTextOrOverUnverifiedTls(
            String name, Protocol protocol, String url, String expected) throws Exception {
        for (Tls tls : Tls.values()) {
            endpoint.reset();
            try (RecordingDatabaseServer server = new RecordingDatabaseServer(protocol, tls, REMOTE)) {
                Throwable failure = start(fill(url, server.host(), server.port()));
                for (IssuedToken token : endpoint.issuedTokens()) {
                    assertThat(server.received(token.accessToken()))
                            .as("%s (%s server): the token arrived", name, tls)
                            .isFalse();
                }
                if (expected.equals(VERIFIED)) {
                    assertThat(failure)
                            .as("%s (%s server): no login", name, tls)
                            .isNotNull();
                    assertThat(server.connections())
                            .as("%s (%s server): the driver did try", name, tls)
                            .isPositive();
                    if (tls == Tls.SELF_SIGNED) {
                        assertThat(server.tlsRequests())
                                .as("%s: the driver asked for TLS", name)
                                .isPositive();
                        assertThat(server.completedTlsHandshakes())
                                .as("%s: the driver refused the self-signed certificate", name)
                                .isZero();
                    }
                } else {
                    assertThat(failure)
                            .as("%s (%s server)", name, tls)
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining(expected)
                            .hasMessageContaining("allowUnverifiedTransport=true");
                    assertThat(endpoint.requestCount())
                            .as("%s: refused before any token was fetched", name)
                            .isZero();
                    assertThat(server.connections())
                            .as("%s: refused before any connection", name)
                            .isZero();
                }
            }
        }
    }

    /**
     * The control: with the explicit opt-in, the same fakes do receive the token (in clear text, or through TLS with
     * the self-signed certificate), so the rows above would see it if it were sent.
     */
    @Test
    void withTheExplicitOptInTheFakesDoReceiveTheToken() throws Exception {
        assertReceivedWithOptIn(Protocol.POSTGRESQL, Tls.NONE, "postgresql://app@{remote}/app?sslMode=disable");
        assertReceivedWithOptIn(Protocol.POSTGRESQL, Tls.SELF_SIGNED, "postgresql://app@{remote}/app?sslMode=require");
        assertReceivedWithOptIn(Protocol.MYSQL, Tls.SELF_SIGNED, "mariadb://app@{remote}/app?sslMode=trust");
        assertReceivedWithOptIn(Protocol.MYSQL, Tls.SELF_SIGNED, "mysql://app@{remote}/app?sslMode=REQUIRED");
    }

    private void assertReceivedWithOptIn(Protocol protocol, Tls tls, String url) throws IOException {
        endpoint.reset();
        try (RecordingDatabaseServer server = new RecordingDatabaseServer(protocol, tls, REMOTE)) {
            Throwable failure = start(fill(url, server.host(), server.port()) + "&allowUnverifiedTransport=true");
            assertThat(failure)
                    .as("%s: the fake never lets a login through", url)
                    .isNotNull();
            assertThat(endpoint.issuedTokens())
                    .as("%s: a token was fetched", url)
                    .isNotEmpty();
            assertThat(endpoint.issuedTokens().stream().anyMatch(t -> server.received(t.accessToken())))
                    .as("%s (%s server): the token arrived", url, tls)
                    .isTrue();
        }
    }

    /** Makes the factory and one connection as an application would; how that failed (the fakes never let one in). */
    private static Throwable start(String url) {
        ConnectionFactory[] made = new ConnectionFactory[1];
        Throwable failure = catchThrowable(() -> {
            made[0] = ConnectionFactories.get(url);
            Mono.from(made[0].create()).flatMap(c -> Mono.from(c.close())).block(WAIT);
        });
        if (made[0] instanceof Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return failure;
    }

    private static String fill(String url, String host, int port) {
        return "r2dbc:azuremi:"
                + url.replace("{remote}", host + ":" + port)
                        .replace("{host}", host)
                        .replace("{port}", Integer.toString(port))
                + (url.contains("?") ? "&" : "?")
                + "credential=managed-identity&managedIdentityClientId="
                + UUID.randomUUID();
    }

    private static Arguments pg(String name, String url, String expected) {
        return Arguments.of("postgresql: " + name, Protocol.POSTGRESQL, url, expected);
    }

    private static Arguments maria(String name, String url, String expected) {
        return Arguments.of("mariadb: " + name, Protocol.MYSQL, url, expected);
    }

    private static Arguments my(String name, String url, String expected) {
        return Arguments.of("mysql: " + name, Protocol.MYSQL, url, expected);
    }
}
