package io.github.azuremi.jdbc.internal.db;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcUrlTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "jdbc:postgresql://srv.postgres.database.azure.com:5432/app?sslmode=require, https://ossrdbms-aad.database.windows.net/.default",
      "jdbc:postgresql://srv.postgres.database.usgovcloudapi.net/app, https://ossrdbms-aad.database.usgovcloudapi.net/.default",
      "jdbc:postgresql://srv.postgres.database.chinacloudapi.cn:5432/app, https://ossrdbms-aad.database.chinacloudapi.cn/.default",
      "jdbc:mysql://srv.mysql.database.azure.com:3306/app, https://ossrdbms-aad.database.windows.net/.default",
      "jdbc:mysql://srv.mysql.database.usgovcloudapi.net/app, https://ossrdbms-aad.database.usgovcloudapi.net/.default",
      "jdbc:sqlserver://srv.database.windows.net:1433;databaseName=app;encrypt=true, https://database.windows.net/.default",
      "jdbc:sqlserver://srv.database.usgovcloudapi.net;databaseName=app, https://database.usgovcloudapi.net/.default",
      "jdbc:sqlserver://srv.database.chinacloudapi.cn:1433, https://database.chinacloudapi.cn/.default",
  })
  void theScopeFollowsTheDatabaseAndTheCloudOfTheHost(String url, String scope) {
    JdbcUrl parsed = JdbcUrl.parse(url);
    assertThat(parsed.kind().defaultScope(parsed.host())).isEqualTo(scope);
  }

  @ParameterizedTest(name = "{0} -> host {1}")
  @CsvSource(delimiter = '|', value = {
      "jdbc:postgresql://a.example:5432/db | a.example",
      "jdbc:postgresql://a.example,b.example/db | a.example",
      "jdbc:postgresql://[::1]:5432/db | ::1",
      "jdbc:mysql://a.example/db?sslMode=REQUIRED | a.example",
      "jdbc:mysql:loadbalance://a.example:3306,b.example:3306/db | a.example",
      "jdbc:sqlserver://a.example\\inst:1433;databaseName=x | a.example",
      "jdbc:sqlserver://a.example;encrypt=true | a.example",
  })
  void theFirstHostIsFound(String url, String host) {
    assertThat(JdbcUrl.parse(url).host()).isEqualTo(host);
  }

  @Test
  void parametersAreFoundWhateverTheirCase() {
    JdbcUrl pg = JdbcUrl.parse("jdbc:postgresql://h/db?sslmode=require&Password=x");
    assertThat(pg.hasParameter("password")).isTrue();
    assertThat(pg.parameter("SSLMODE")).isEqualTo("require");
    JdbcUrl ms = JdbcUrl.parse("jdbc:sqlserver://h:1433;databaseName=app;Authentication=ActiveDirectoryMSI");
    assertThat(ms.hasParameter("authentication")).isTrue();
    assertThat(ms.parameter("databasename")).isEqualTo("app");
  }

  @Test
  void unsupportedOrHostlessUrlsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> JdbcUrl.parse("jdbc:oracle:thin:@h:1521/x")).hasMessageContaining("jdbc:postgresql:");
    assertThatThrownBy(() -> JdbcUrl.parse("jdbc:postgresql:db")).hasMessageContaining("//host");
    assertThatThrownBy(() -> JdbcUrl.parse("jdbc:postgresql:///db")).hasMessageContaining("no host");
  }

  @Test
  void loopbackHostsAreRecognised() {
    assertThat(JdbcUrl.parse("jdbc:postgresql://127.0.0.1/db").isLoopbackHost()).isTrue();
    assertThat(JdbcUrl.parse("jdbc:postgresql://localhost/db").isLoopbackHost()).isTrue();
    assertThat(JdbcUrl.parse("jdbc:postgresql://[::1]/db").isLoopbackHost()).isTrue();
    assertThat(JdbcUrl.parse("jdbc:postgresql://10.0.0.1/db").isLoopbackHost()).isFalse();
  }

  @Test
  void authFailuresAreRecognisedPerDatabase() {
    assertThat(DatabaseKind.POSTGRESQL.isAuthFailure("28P01", 0)).isTrue();
    assertThat(DatabaseKind.POSTGRESQL.isAuthFailure("08001", 0)).isFalse();
    assertThat(DatabaseKind.MYSQL.isAuthFailure("28000", 1045)).isTrue();
    assertThat(DatabaseKind.MYSQL.isAuthFailure("08004", 1040)).as("too many connections is not an auth failure").isFalse();
    assertThat(DatabaseKind.SQLSERVER.isAuthFailure("S0001", 18456)).isTrue();
  }
}
