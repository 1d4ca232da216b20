package io.github.azuremi.jdbc.plugin;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mssql-jdbc's {@code accessTokenCallbackClass}, end to end: the real driver logs in over TLS to a TDS server in test
 * code that accepts only unexpired tokens the local managed-identity endpoint issued, and names the identity. The
 * callback's settings are JVM system properties ({@code azuremi.*}): mssql-jdbc passes it none of the URL's.
 */
class SqlServerCallbackTest {

  static final String CALLBACK = ";accessTokenCallbackClass=" + SqlServerAccessTokenCallback.class.getName();

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
    if (server != null) {
      server.close();
    }
  }

  private Optional<String> verify(String token) {
    return endpoint.issuedTokens().stream()
        .filter(t -> t.accessToken().equals(token) && t.expiresOn().isAfter(Instant.now()))
        .findFirst().map(t -> "mi-" + t.clientId());
  }

  private long issuedHere() {
    return endpoint.issuedTokens().stream().filter(t -> t.clientId().equals(clientId)).count();
  }

  @Test
  void theCallbackNamedInTheUrlLogsInAndEveryLoginSharesOneToken() throws SQLException {
    server = FakeTdsServer.start(this::verify);
    for (int i = 0; i < 3; i++) {
      try (Connection c = DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT SUSER_SNAME()")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("mi-" + clientId);
      }
    }
    assertThat(server.acceptedLogins()).isEqualTo(3);
    assertThat(issuedHere()).isEqualTo(1);
    assertThat(endpoint.issuedTokens()).anySatisfy(t -> assertThat(t.resource()).isEqualTo("https://database.windows.net"));
  }

  @Test
  void aServerThatAsksForATokenOfAnotherServiceGetsNone() {
    server = FakeTdsServer.start(this::verify, new FakeTdsServer.Options().spn("https://management.azure.com/"));
    assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK).close())
        .hasStackTraceContaining("SqlServerAccessTokenCallback - the server asked for a token for "
            + "https://management.azure.com/, which is not a database audience");
    assertThat(issuedHere()).isZero();
    assertThat(server.acceptedLogins()).isZero();
  }

  @Test
  void aWrongSettingFailsTheLoginNamingIt() {
    System.setProperty("azuremi.managedIdentityClientId", "not-a-guid");
    server = FakeTdsServer.start(this::verify);
    assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("app") + CALLBACK).close())
        .hasStackTraceContaining("managedIdentityClientId must be the client id")
        .hasStackTraceContaining("the JVM system properties azuremi.*");
    assertThat(issuedHere()).isZero();
  }
}
