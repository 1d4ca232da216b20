package io.github.azuremi.jdbc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.plugin.SqlServerAccessTokenCallback;
import io.github.azuremi.jdbc.plugin.SqlServerTokenDriver;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16 row 2: mssql-jdbc hands its access-token callback only (spn, stsurl), so a callback named in a
 * jdbc:sqlserver: URL sent the token over {@code encrypt=false/optional} or {@code trustServerCertificate=true} to
 * whoever answered. Every SQL Server plugin path, against the real mssql-jdbc, azure-identity's real credential
 * (App Service protocol, the local endpoint) and the fake TDS server on a non-loopback address with a self-signed
 * certificate (a man in the middle): the token arrives only when mssql-jdbc verified the certificate.
 */
class SqlServerPluginTransportTest {

    private static final InetAddress REMOTE = NonLoopbackAddress.get();
    private static final String CALLBACK = ";accessTokenCallbackClass=" + SqlServerAccessTokenCallback.class.getName();

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private String clientId;
    private FakeTdsServer server;

    static Stream<Arguments> unverified() {
        return Stream.of(
                Arguments.of(";encrypt=false", "encrypt=false does not ask mssql-jdbc to verify the certificate of"),
                Arguments.of(
                        ";encrypt=optional", "encrypt=optional does not ask mssql-jdbc to verify the certificate of"),
                Arguments.of(
                        ";encrypt=true;trustServerCertificate=true",
                        "trustServerCertificate=true makes mssql-jdbc accept any certificate from"),
                Arguments.of(
                        ";encrypt=optional;trustServerCertificate=true",
                        "encrypt=optional does not ask mssql-jdbc to verify the certificate of"));
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
        System.clearProperty("azuremi.allowUnverifiedTransport");
        server.close();
    }

    /** The driver reads the settings as mssql-jdbc does and refuses before it connects or fetches a token. */
    @ParameterizedTest(name = "jdbc:azuremi:sqlserver: with {0}")
    @MethodSource("unverified")
    void theDriverRefusesAnUnverifiedTransportBeforeConnecting(String settings, String refusal) {
        Throwable failure = catchThrowable(() ->
                DriverManager.getConnection(driverUrl(remoteUrl() + settings)).close());
        assertThat(failure)
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith("SqlServerTokenDriver - " + refusal + " " + REMOTE.getHostAddress())
                .hasMessageContaining("Use encrypt=true (or strict) with trustServerCertificate=false")
                .hasMessageContaining("set -Dazuremi.allowUnverifiedTransport=true");
        assertNoTokenLeft();
        assertThat(server.logins()).isEmpty();
        assertThat(server.tlsHandshakeFailures() + server.connectionErrors())
                .as("not even a connection")
                .isZero();
    }

    /** Named in a plain URL the callback cannot tell, so it never sends (the reproduction, and more). */
    @ParameterizedTest(name = "jdbc:sqlserver: with {0} and accessTokenCallbackClass")
    @MethodSource("unverified")
    void theCallbackNamedInAPlainUrlSendsNoTokenOverAnUnverifiedTransport(String settings, String refusal) {
        Throwable failure = catchThrowable(() ->
                DriverManager.getConnection(remoteUrl() + settings + CALLBACK).close());
        assertThat(failure).as(settings).isInstanceOf(SQLException.class);
        if (settings.contains("trustServerCertificate=true")) {
            assertThat(failure)
                    .hasStackTraceContaining("SqlServerAccessTokenCallback - no token is sent")
                    .hasStackTraceContaining(
                            "encrypt=false, encrypt=optional or trustServerCertificate=true make it accept any "
                                    + "certificate")
                    .hasStackTraceContaining("Use the URL jdbc:azuremi:sqlserver://");
        } else {
            // mssql-jdbc 13.2.1 forces encryption on for a token login and still validates the certificate when only
            // encrypt is lowered: the handshake fails before the callback is asked
            assertThat(failure).hasStackTraceContaining("PKIX path building failed");
        }
        assertNoTokenLeft();
    }

    /** mssql-jdbc's defaults verify: the self-signed certificate fails the handshake, on both paths. */
    @Test
    void withTheDefaultsNeitherPathSendsATokenToAnUntrustedCertificate() {
        String defaults = remoteUrl() + ";hostNameInCertificate=localhost"; // only the trust is missing
        assertThat(catchThrowable(
                        () -> DriverManager.getConnection(driverUrl(defaults)).close()))
                .isInstanceOf(SQLException.class);
        assertThat(catchThrowable(
                        () -> DriverManager.getConnection(defaults + CALLBACK).close()))
                .isInstanceOf(SQLException.class);
        assertNoTokenLeft();
        assertThat(server.tlsHandshakeFailures() + server.connectionErrors())
                .as("the driver refused the certificate")
                .isPositive();
    }

    /** The permitted path works: the fake's certificate trusted (trustStore, or serverCertificate under strict). */
    @Test
    void aServerWhoseCertificateMssqlJdbcVerifiedGetsTheToken() throws SQLException {
        String trustStore =
                server.jdbcUrlVerifyingCertificate("app").replace("//127.0.0.1:", "//" + REMOTE.getHostAddress() + ":");
        String strict = server.jdbcUrl("app").replace("//127.0.0.1:", "//" + REMOTE.getHostAddress() + ":")
                + ";hostNameInCertificate=localhost";
        for (String url : new String[] {trustStore, strict}) {
            try (Connection c = DriverManager.getConnection(driverUrl(url));
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT SUSER_SNAME()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("mi-" + clientId);
            }
        }
        assertThat(server.acceptedLogins()).isEqualTo(2);
        assertThat(server.lastToken()).isNotNull();
        assertThat(endpoint.hasIssued(server.lastToken())).isTrue();
    }

    /** The control: with the explicit opt-in, the fake does receive the token, so the rows above would see a leak. */
    @Test
    void withTheExplicitOptInTheFakeDoesReceiveTheToken() throws SQLException {
        System.setProperty("azuremi.allowUnverifiedTransport", "true");
        try (Connection c = DriverManager.getConnection(remoteUrl() + ";trustServerCertificate=true" + CALLBACK)) {
            assertThat(c.isValid(2)).isTrue();
        }
        try (Connection c = DriverManager.getConnection(driverUrl(remoteUrl() + ";trustServerCertificate=true"))) {
            assertThat(c.isValid(2)).isTrue();
        }
        assertThat(server.acceptedLogins()).isEqualTo(2);
        assertThat(endpoint.hasIssued(server.lastToken())).isTrue();
    }

    private void assertNoTokenLeft() {
        assertThat(server.lastToken()).as("the token reached the fake server").isNull();
        assertThat(endpoint.issuedTokens())
                .as("no token was even fetched")
                .noneMatch(t -> t.clientId().equals(clientId));
    }

    private String remoteUrl() {
        return "jdbc:sqlserver://" + REMOTE.getHostAddress() + ":" + server.port()
                + ";databaseName=app;loginTimeout=10";
    }

    private static String driverUrl(String sqlServerUrl) {
        return sqlServerUrl.replaceFirst("^jdbc:sqlserver:", SqlServerTokenDriver.URL_PREFIX);
    }

    private Optional<String> verify(String token) {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.accessToken().equals(token) && t.expiresOn().isAfter(Instant.now()))
                .findFirst()
                .map(t -> "mi-" + t.clientId());
    }
}
