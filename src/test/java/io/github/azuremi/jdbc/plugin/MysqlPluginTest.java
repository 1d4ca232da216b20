package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connector/J's plugins, end to end. The native-password plugin against the real MariaDB, which checks each token
 * as the user's {@code mysql_native_password}; the clear-text plugin (what Azure Database for MySQL asks for) against
 * a recording server that switches to {@code mysql_clear_password} over TLS and records what arrives.
 */
class MysqlPluginTest {

    static final String NATIVE = MysqlNativePasswordAuthenticationPlugin.class.getName();
    static final String CLEAR = MysqlAuthenticationPlugin.class.getName();

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Set<String> clientIds = ConcurrentHashMap.newKeySet();
    private TestDatabase db;
    private String user;

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.mysql();
        user = db.createTokenRole("mi_plugin_my");
        endpoint.onIssue(token -> {
            if (clientIds.contains(token.clientId())) {
                db.acceptToken(user, token.accessToken(), token.expiresOn());
            }
        });
    }

    @AfterEach
    void reset() {
        io.github.azuremi.jdbc.internal.plugin.PluginTokens.shared().releaseAll(); // no refresh runs into the next test
        endpoint.reset();
    }

    private String identity() {
        String clientId = UUID.randomUUID().toString();
        clientIds.add(clientId);
        return clientId;
    }

    private long issuedHere() {
        return endpoint.issuedTokens().stream()
                .filter(t -> clientIds.contains(t.clientId()))
                .count();
    }

    private static String plugins(String plugin) {
        return "authenticationPlugins=" + plugin + "&defaultAuthenticationPlugin=" + plugin;
    }

    private String currentUser(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_USER()")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void theNativePasswordPluginLogsInToMariaDbWithOnlyAUrl_oneTokenForManyLogins() throws SQLException {
        String url = db.jdbcUrl() + "&" + plugins(NATIVE) + "&user=" + user + "&credential=managed-identity"
                + "&managedIdentityClientId=" + identity();
        for (int i = 0; i < 5; i++) {
            assertThat(currentUser(url)).startsWith(user + "@");
        }
        assertThat(issuedHere()).isEqualTo(1);
    }

    @Test
    void overVerifiedTls() throws SQLException {
        String url = db.jdbcUrl().replace("sslMode=DISABLED", "sslMode=VERIFY_IDENTITY") + "&" + plugins(NATIVE)
                + "&trustCertificateKeyStoreUrl="
                + Path.of(TestTls.trustStore()).toUri()
                + "&trustCertificateKeyStoreType=PKCS12&trustCertificateKeyStorePassword="
                + TestTls.trustStorePassword()
                + "&user=" + user + "&azure.managedIdentityEnabled=true&azure.clientId=" + identity();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).startsWith("TLSv1.");
        }
    }

    @Test
    void theServerChecksTheToken_aWrongPasswordIsRefused() {
        assertThatThrownBy(() -> db.login(user, "not-the-token").close()).isInstanceOf(SQLException.class);
    }

    @Test
    void theClearTextPluginSendsTheTokenOverTlsToALocalServer() throws Exception {
        try (RecordingDatabaseServer server = new RecordingDatabaseServer(
                RecordingDatabaseServer.Protocol.MYSQL,
                RecordingDatabaseServer.Tls.SELF_SIGNED,
                InetAddress.getLoopbackAddress())) {
            String url = "jdbc:mysql://" + server.host() + ":" + server.port() + "/app?sslMode=REQUIRED&"
                    + plugins(CLEAR) + "&user=app&credential=managed-identity&managedIdentityClientId=" + identity();
            assertThatThrownBy(() -> DriverManager.getConnection(url).close())
                    .isInstanceOf(SQLException.class); // refused by the fake
            assertThat(server.completedTlsHandshakes()).isPositive();
            assertThat(issuedHere()).isEqualTo(1);
            assertThat(server.received(tokenHere()))
                    .as("the token arrived, inside TLS")
                    .isTrue();
        }
    }

    @Test
    void aTokenIsNeverSentToARemoteServerThatIsNotVerified() throws Exception {
        try (RecordingDatabaseServer server = new RecordingDatabaseServer(
                RecordingDatabaseServer.Protocol.MYSQL,
                RecordingDatabaseServer.Tls.SELF_SIGNED,
                NonLoopbackAddress.get())) {
            String base = "jdbc:mysql://" + server.host() + ":" + server.port() + "/app?" + plugins(CLEAR)
                    + "&user=app&credential=managed-identity&managedIdentityClientId=" + identity();
            assertThatThrownBy(() -> DriverManager.getConnection(base + "&sslMode=REQUIRED")
                            .close())
                    .hasMessageContaining("MysqlAuthenticationPlugin - sslMode=REQUIRED")
                    .hasMessageContaining("without verifying the server's host name or certificate")
                    .hasMessageContaining("sslMode=VERIFY_IDENTITY");
            assertThat(issuedHere()).as("refused before any token was fetched").isZero();

            assertThatThrownBy(
                            () -> DriverManager.getConnection(base + "&sslMode=REQUIRED&allowUnverifiedTransport=true")
                                    .close())
                    .isInstanceOf(SQLException.class);
            assertThat(server.received(tokenHere()))
                    .as("sent only with the explicit opt-in")
                    .isTrue();
        }
    }

    @Test
    void traceProtocolIsRefused_itWouldLogTheLoginPacket() {
        String url = db.jdbcUrl() + "&" + plugins(NATIVE) + "&user=" + user + "&managedIdentityClientId=" + identity()
                + "&traceProtocol=true";
        assertThatThrownBy(() -> currentUser(url)).hasMessageContaining("traceProtocol=true");
        assertThat(issuedHere()).isZero();
    }

    /** Issue 16, row 6: its ring buffer of sent packets holds the token and reaches exception messages. */
    @Test
    void enablePacketDebugIsRefused_itsDumpsHoldTheLoginPacket() {
        String url = db.jdbcUrl() + "&" + plugins(NATIVE) + "&user=" + user + "&managedIdentityClientId=" + identity()
                + "&enablePacketDebug=true";
        assertThatThrownBy(() -> currentUser(url))
                .hasMessageContaining(
                        "MysqlNativePasswordAuthenticationPlugin - enablePacketDebug=true makes Connector/J keep "
                                + "hex dumps")
                .hasMessageContaining("Remove enablePacketDebug (from the JDBC URL or driver properties)");
        assertThat(issuedHere()).isZero();
    }

    @Test
    void unknownSettingsFailTheLoginNamingThem() {
        String url = db.jdbcUrl() + "&" + plugins(NATIVE) + "&user=" + user + "&managedIdentityClientId=" + identity()
                + "&azure.tenantID=x";
        assertThatThrownBy(() -> currentUser(url))
                .hasMessageContaining(
                        "MysqlNativePasswordAuthenticationPlugin - azure.tenantID is not a setting: the name is "
                                + "azure.tenantId");
        assertThat(issuedHere()).isZero();
    }

    @Test
    void aPasswordNextToThePluginIsRefused_evenWhenTheServerAsksForAnotherPlugin() {
        String url = db.jdbcUrl() + "&authenticationPlugins=" + NATIVE + "&user=" + user + "&password=hunter2"
                + "&managedIdentityClientId=" + identity();
        assertThatThrownBy(() -> currentUser(url))
                .hasMessageContaining("password is set")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        assertThat(issuedHere()).isZero();
    }

    private String tokenHere() {
        return endpoint.issuedTokens().stream()
                .filter(t -> clientIds.contains(t.clientId()))
                .findFirst()
                .orElseThrow()
                .accessToken();
    }
}
