package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SQL Server driver plugin ({@code jdbc:azuremi:sqlserver:}, {@link SqlServerTokenDriver} with
 * {@link SqlServerAccessTokenCallback}), end to end: the real mssql-jdbc driver logs in over TLS to a TDS server in
 * test code that accepts only unexpired tokens the local managed-identity endpoint issued, and names the identity.
 * The callback's settings are JVM system properties ({@code azuremi.*}): mssql-jdbc passes it none of the URL's.
 * Transport checks against a remote server: {@code transport/SqlServerPluginTransportTest}.
 */
class SqlServerCallbackTest {

    static final String CALLBACK = ";accessTokenCallbackClass=" + SqlServerAccessTokenCallback.class.getName();

    /** The fake's URL (TDS 8, its certificate trusted) for {@link SqlServerTokenDriver}. */
    private String driverUrl() {
        return server.jdbcUrl("app").replaceFirst("^jdbc:sqlserver:", SqlServerTokenDriver.URL_PREFIX);
    }

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private FakeTdsServer server;
    private String clientId;

    @BeforeEach
    void start() {
        endpoint.reset();
        clientId = UUID.randomUUID().toString();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", clientId);
    }

    @AfterEach
    void stop() {
        io.github.azuremi.jdbc.internal.plugin.PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        System.clearProperty("azuremi.tokenScope");
        System.clearProperty("azuremi.tokenFetchTimeout");
        System.clearProperty("azuremi.allowUnverifiedTransport");
        endpoint.reset();
        if (server != null) {
            server.close();
        }
    }

    private Optional<String> verify(String token) {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.accessToken().equals(token) && t.expiresOn().isAfter(Instant.now()))
                .findFirst()
                .map(t -> "mi-" + t.clientId());
    }

    private long issuedHere() {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.clientId().equals(clientId))
                .count();
    }

    @Test
    void theDriverLogsInWithTheCallbackAndEveryLoginSharesOneToken() throws SQLException {
        server = FakeTdsServer.start(this::verify);
        for (int i = 0; i < 3; i++) {
            try (Connection c = DriverManager.getConnection(driverUrl());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT SUSER_SNAME()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("mi-" + clientId);
            }
        }
        assertThat(server.acceptedLogins()).isEqualTo(3);
        assertThat(issuedHere()).isEqualTo(1);
        assertThat(endpoint.issuedTokens())
                .anySatisfy(t -> assertThat(t.resource()).isEqualTo("https://database.windows.net"));
    }

    @Test
    void aServerThatAsksForATokenOfAnotherServiceGetsNone() {
        server = FakeTdsServer.start(this::verify, new FakeTdsServer.Options().spn("https://management.azure.com/"));
        assertThatThrownBy(() -> DriverManager.getConnection(driverUrl()).close())
                .hasStackTraceContaining("SqlServerAccessTokenCallback - the server asked for a token for "
                        + "https://management.azure.com/, which is not a database audience");
        assertThat(issuedHere()).isZero();
        assertThat(server.acceptedLogins()).isZero();
    }

    /**
     * Issue 16 row 4: mssql-jdbc replaces what the callback throws by "Invalid accessTokenCallbackClass" and keeps
     * only its cause; a token timeout has none, so the library's message (credential, scope, what failed) was lost.
     */
    @Test
    void aTokenTimeoutOfTheUrlNamedCallbackKeepsTheLibrarysMessage() {
        System.setProperty(
                "azuremi.allowUnverifiedTransport", "true"); // the URL-named callback needs the opt-in (row 2)
        System.setProperty("azuremi.tokenFetchTimeout", "500ms");
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        server = FakeTdsServer.start(this::verify);
        assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK)
                        .close())
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining("SqlServerAccessTokenCallback - Could not get an access token from "
                        + "ManagedIdentityCredential (credential=managed-identity, managedIdentityClientId=" + clientId
                        + ")")
                .hasStackTraceContaining(" for scope https://database.windows.net/.default")
                .hasStackTraceContaining("500 ms");
        assertThat(server.lastToken()).isNull();
    }

    /** Issue 16 row 4, through the driver: the library's message is the message of the SQLException itself. */
    @Test
    void aTokenTimeoutThroughTheDriverIsTheMessageOfTheSqlException() {
        System.setProperty("azuremi.tokenFetchTimeout", "500ms");
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        server = FakeTdsServer.start(this::verify);
        assertThatThrownBy(() -> DriverManager.getConnection(driverUrl()).close())
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith("SqlServerAccessTokenCallback - Could not get an access token from "
                        + "ManagedIdentityCredential (credential=managed-identity, managedIdentityClientId=" + clientId
                        + ")")
                .hasMessageContaining(" for scope https://database.windows.net/.default")
                .hasMessageContaining("500 ms");
        assertThat(server.lastToken()).isNull();
    }

    /**
     * Issue 16 row 2: named in a jdbc:sqlserver: URL, the callback cannot see encrypt or trustServerCertificate; it
     * sends no token without the opt-in, even towards a server that would be verified, and names the fix.
     */
    @Test
    void theCallbackNamedInAPlainUrlSendsNoTokenWithoutTheOptIn() {
        server = FakeTdsServer.start(this::verify);
        assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK)
                        .close())
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining(
                        "SqlServerAccessTokenCallback - no token is sent: named in a jdbc:sqlserver: URL "
                                + "(accessTokenCallbackClass), the callback cannot see whether mssql-jdbc verifies the server's certificate")
                .hasStackTraceContaining("Use the URL jdbc:azuremi:sqlserver://<server>:1433;databaseName=<db> instead")
                .hasStackTraceContaining("set -Dazuremi.allowUnverifiedTransport=true");
        assertThat(issuedHere()).isZero();
        assertThat(server.lastToken()).isNull();
    }

    /** With the explicit opt-in the URL-named callback works as before (the user vouches for every such URL). */
    @Test
    void withTheOptInTheCallbackNamedInAPlainUrlLogsIn() throws SQLException {
        System.setProperty("azuremi.allowUnverifiedTransport", "true");
        server = FakeTdsServer.start(this::verify);
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK)) {
            assertThat(c.isValid(2)).isTrue();
        }
        assertThat(server.acceptedLogins()).isEqualTo(1);
    }

    @Test
    void aWrongSettingFailsTheLoginNamingIt() {
        System.setProperty("azuremi.managedIdentityClientId", "not-a-guid");
        server = FakeTdsServer.start(this::verify);
        assertThatThrownBy(() -> DriverManager.getConnection(driverUrl()).close())
                .hasStackTraceContaining("managedIdentityClientId must be the client id")
                .hasStackTraceContaining("the JVM system properties azuremi.*");
        assertThat(issuedHere()).isZero();
    }
}
