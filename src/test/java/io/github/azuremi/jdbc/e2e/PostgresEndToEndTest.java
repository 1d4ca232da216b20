package io.github.azuremi.jdbc.e2e;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Azure Database for PostgreSQL, played by a real PostgreSQL that checks each token as the role's password. */
class PostgresEndToEndTest extends EndToEndContract {

  @Override
  protected TestDatabase database() {
    return TestDatabases.postgres();
  }

  @Override
  protected String currentUserSql() {
    return "SELECT current_user";
  }

  @Override
  protected String expectedCurrentUser(String role) {
    return role;
  }

  @Test
  void theServerRefusesAWrongAndAnExpiredToken() throws Exception {
    endpoint.setTokenLifetime(Duration.ofSeconds(3));
    ManagedIdentityDataSource ds = pool("managed-identity");
    currentUser(ds); // the endpoint issued a token and the server accepts it until it expires
    List<io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken> issued = endpoint.issuedTokens();
    String token = issued.get(issued.size() - 1).accessToken();

    assertThatThrownBy(() -> db.login(role, token + "x").close())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));

    try (Connection ok = db.login(role, token)) {
      assertThat(ok.isValid(2)).isTrue();
    }
    Thread.sleep(Duration.between(java.time.Instant.now(), issued.get(issued.size() - 1).expiresOn()).toMillis() + 1_100);
    assertThatThrownBy(() -> db.login(role, token).close())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }
}
