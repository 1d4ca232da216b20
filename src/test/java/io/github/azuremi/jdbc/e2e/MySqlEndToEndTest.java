package io.github.azuremi.jdbc.e2e;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Azure Database for MySQL, played by the local MariaDB (or a MySQL container where Docker runs), which
 * checks each token as the user's password. The local server has no TLS and stores mysql_native_password
 * hashes, so these tests override the library's MySQL defaults (TLS required, clear-text plugin) through
 * the URL's sslMode=DISABLED and defaultAuthenticationPlugin, as a user may.
 */
class MySqlEndToEndTest extends EndToEndContract {

  @Override
  protected TestDatabase database() {
    return TestDatabases.mysql();
  }

  @Override
  protected String currentUserSql() {
    return "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)";
  }

  @Override
  protected String expectedCurrentUser(String role) {
    return role;
  }

  @Override
  protected ManagedIdentityDataSource pool(String credential, String clientId) {
    ManagedIdentityDataSource ds = super.pool(credential, clientId);
    ds.addDataSourceProperty("defaultAuthenticationPlugin", "mysql_native_password");
    return ds;
  }

  @Test
  void theServerRefusesAWrongToken() {
    assertThatThrownBy(() -> db.login(role, "not-the-token").close())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));
  }
}
