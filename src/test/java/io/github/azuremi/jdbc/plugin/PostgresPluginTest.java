package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pgjdbc's plugin, end to end: {@code DriverManager} with only a URL, the real azure-identity credential talking to
 * the local managed-identity endpoint, and the real PostgreSQL checking each token as the role's password (and
 * refusing it once it expired). No test hook of the library is used.
 */
class PostgresPluginTest {

    static final String PLUGIN = "authenticationPluginClassName=" + PostgresAuthenticationPlugin.class.getName();

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Set<String> clientIds = ConcurrentHashMap.newKeySet();
    private TestDatabase db;
    private String role;

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_plugin_pg");
        endpoint.onIssue(token -> {
            if (clientIds.contains(token.clientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
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

    /**
     * Tokens issued to this test's identities. Not {@code requestCount()}: a plugin's token stays registered (and
     * refreshed) after a test, because a driver never tells its plugin that it is done (see PluginTokens).
     */
    private long issuedHere() {
        return endpoint.issuedTokens().stream()
                .filter(t -> clientIds.contains(t.clientId()))
                .count();
    }

    private String url(String clientId, String more) {
        return db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + PLUGIN + "&credential=managed-identity"
                + "&managedIdentityClientId=" + clientId + "&user=" + role + more;
    }

    /**
     * Fetches the identity's first token the way pgjdbc asks for it, before the first login. Why: this stand-in for
     * Azure stores each token as the role's password, and PostgreSQL reads a role's password when a login starts;
     * a plugin fetches its very first token in the middle of the login, after the server has read the previous
     * password (Azure validates the token itself and has no such window). Later tokens are fetched ahead of time.
     */
    static void warm(String url) throws SQLException {
        Properties parsed = org.postgresql.Driver.parseURL(url, new Properties());
        new PostgresAuthenticationPlugin(parsed).getPassword(org.postgresql.plugin.AuthenticationRequestType.SASL);
    }

    private String currentUser(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void driverManagerWithOnlyAUrlLogsInAndEveryLaterLoginReusesTheToken() throws SQLException {
        String url = url(identity(), "");
        warm(url);
        for (int i = 0; i < 5; i++) {
            assertThat(currentUser(url)).isEqualTo(role);
        }
        assertThat(issuedHere()).as("one token for five physical logins").isEqualTo(1);
        assertThat(endpoint.issuedTokens().get(0).resource()).isEqualTo("https://ossrdbms-aad.database.windows.net");
    }

    @Test
    void theServerChecksTheToken_aWrongPasswordIsRefused() {
        assertThatThrownBy(() -> db.login(role, "not-the-token").close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void overVerifiedTls() throws SQLException {
        String url = url(identity(), "&sslmode=verify-full&sslrootcert=" + enc(TestTls.caFile()));
        warm(url);
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @Test
    void azureIdentityExtensionsNamesWork_switchingIsOneClassName() throws SQLException {
        String clientId = identity();
        String url = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + PLUGIN
                + "&azure.managedIdentityEnabled=true&azure.clientId=" + clientId
                + "&azure.tokenCredentialCacheEnabled=true"
                + "&azure.scopes=" + enc("https://ossrdbms-aad.database.windows.net/.default") + "&user=" + role;
        warm(url);
        assertThat(currentUser(url)).isEqualTo(role);
        assertThat(issuedHere()).isEqualTo(1);
    }

    @Test
    void thePluginAndAPoolOfTheSameIdentityShareOneToken() throws SQLException {
        String clientId = identity();
        warm(url(clientId, ""));
        assertThat(currentUser(url(clientId, ""))).isEqualTo(role);
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(role);
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(clientId);
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(2)).isTrue();
            }
        }
        assertThat(issuedHere()).isEqualTo(1);
    }

    @Test
    void loginsKeepWorkingAcrossATokenRotation() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(4)); // refreshed after ~2 s; the server refuses it after 4 s
        String url = url(identity(), "&tokenRefreshJitter=0");
        warm(url);
        long end = System.nanoTime() + Duration.ofSeconds(7).toNanos();
        int logins = 0;
        int racedWithTheStandIn = 0;
        while (System.nanoTime() < end) {
            long issuedBefore = issuedHere();
            try {
                assertThat(currentUser(url)).isEqualTo(role);
                logins++;
            } catch (SQLException e) {
                // The stand-in's window (see warm): a token issued, and stored as the password, while this login ran.
                // Only
                // a refusal that overlapped an issue is excused; any other failure fails the test.
                if (!"28P01".equals(e.getSQLState()) || issuedHere() == issuedBefore) {
                    throw e;
                }
                racedWithTheStandIn++;
            }
            Thread.sleep(100);
        }
        assertThat(racedWithTheStandIn)
                .as("logins that overlapped a token issue")
                .isLessThanOrEqualTo(2);
        assertThat(logins).isGreaterThan(20);
        assertThat(issuedHere())
                .as("the token was replaced ahead of its expiry")
                .isBetween(3L, 5L);
    }

    @Test
    void settingsTheLibraryDoesNotKnowFailTheLoginNamingThem_andNoTokenIsFetched() {
        String id = identity();
        assertThatThrownBy(() -> currentUser(url(id, "&azure.clientSecrets=x")))
                .hasMessageContaining(
                        "PostgresAuthenticationPlugin - azure.clientSecrets is not an azure-identity-extensions "
                                + "setting this library knows");
        assertThatThrownBy(() -> currentUser(url(id, "&managedIdentityClientID=" + id)))
                .hasMessageContaining("managedIdentityClientID is not a setting: the name is managedIdentityClientId");
        assertThatThrownBy(() -> currentUser(url(id, "&azure.clientSecret=s3cr3t-value")))
                .hasMessageContaining("azure.clientSecret is a secret")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t-value"));
        assertThatThrownBy(() -> currentUser(url(id, "&azure.clientId=" + UUID.randomUUID())))
                .hasMessageContaining(
                        "managedIdentityClientId=\"" + id + "\" and azure.clientId=\"") // quoted, as every value shown
                .hasMessageContaining("differ");
        assertThatThrownBy(() -> currentUser(url(id, "&password=hunter2")))
                .hasMessageContaining("password is set")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        assertThatThrownBy(() -> currentUser(url(id, "&tokenScope=" + enc("https://management.azure.com/.default"))))
                .hasMessageContaining("is not a database audience");
        assertThat(issuedHere()).isZero();
    }

    @Test
    void thePluginIsNamedByItsClassInPgjdbcsMessagesAndLogs() {
        assertThat(new PostgresAuthenticationPlugin(null)).hasToString("PostgresAuthenticationPlugin");
    }

    @Test
    void noTokenInTimeIsAConnectionFailureNamingTheWait_notASettingsError() {
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        String url = url(identity(), "&tokenFetchTimeout=500ms");
        assertThatThrownBy(() -> currentUser(url))
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState())
                                .as("connection not established")
                                .isEqualTo("08001"))
                .hasMessageStartingWith("PostgresAuthenticationPlugin - Could not get an access token")
                .hasMessageContaining("500 ms")
                .hasCauseInstanceOf(TokenUnavailableException.class);
        assertThat(issuedHere()).isZero();
    }

    @Test
    void aTokenIsNeverSentToARemoteServerThatIsNotVerified() throws Exception {
        try (RecordingDatabaseServer server = new RecordingDatabaseServer(
                RecordingDatabaseServer.Protocol.POSTGRESQL,
                RecordingDatabaseServer.Tls.SELF_SIGNED,
                NonLoopbackAddress.get())) {
            String base = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/app?" + PLUGIN
                    + "&credential=managed-identity&managedIdentityClientId=" + identity() + "&user=" + role;
            assertThatThrownBy(() -> DriverManager.getConnection(base + "&sslmode=require")
                            .close())
                    .hasMessageContaining("PostgresAuthenticationPlugin - sslmode=require")
                    .hasMessageContaining("without verifying the server's certificate")
                    .hasMessageContaining("sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");
            assertThatThrownBy(() -> DriverManager.getConnection(base + "&sslmode=disable")
                            .close())
                    .hasMessageContaining("without TLS");
            assertThatThrownBy(() -> DriverManager.getConnection(base).close())
                    .as("pgjdbc's own default, sslmode=prefer, does not verify either")
                    .hasMessageContaining("sslmode");
            assertThat(issuedHere()).as("refused before any token was fetched").isZero();

            // only the explicit opt-in sends it, and then the server receives exactly the token the endpoint issued
            assertThatThrownBy(
                            () -> DriverManager.getConnection(base + "&sslmode=require&allowUnverifiedTransport=true")
                                    .close())
                    .isInstanceOf(SQLException.class);
            assertThat(issuedHere()).isEqualTo(1);
            String token = endpoint.issuedTokens().stream()
                    .filter(t -> clientIds.contains(t.clientId()))
                    .findFirst()
                    .orElseThrow()
                    .accessToken();
            assertThat(server.received(token)).isTrue();
        }
    }

    @Test
    void driverPropertiesWorkAsWellAsTheUrl() throws SQLException {
        Properties props = new Properties();
        props.setProperty("authenticationPluginClassName", PostgresAuthenticationPlugin.class.getName());
        props.setProperty("user", role);
        props.setProperty("credential", "managed-identity");
        props.setProperty("managedIdentityClientId", identity());
        Properties parsed = org.postgresql.Driver.parseURL(db.jdbcUrl(), props);
        new PostgresAuthenticationPlugin(parsed).getPassword(org.postgresql.plugin.AuthenticationRequestType.SASL);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), props)) {
            assertThat(c.isValid(2)).isTrue();
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
