package io.github.azuremi.jdbc.internal.db;

import com.zaxxer.hikari.util.DriverDataSource;
import io.github.azuremi.jdbc.internal.token.TokenLease;

import java.time.Duration;
import java.util.Properties;

/** The ways a token reaches a driver: as the password, or through mssql-jdbc's callback. */
public final class Logins {

  private static final String MSSQL_CALLBACK = "com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback";

  private Logins() {}

  /**
   * PostgreSQL and MySQL: the token is the password of {@code username}. The driver is found as HikariCP
   * finds it ({@code driverClassName}, else by URL).
   */
  public static TokenAuthenticatingDataSource.Login asPassword(String jdbcUrl, String driverClassName,
                                                                Properties driverProperties) {
    DriverDataSource driver = new DriverDataSource(jdbcUrl, driverClassName, driverProperties, null, null);
    return (username, token) -> driver.getConnection(username, token.accessToken());
  }

  /** SQL Server: the token goes through the driver's access-token callback; no user, no password. */
  public static TokenAuthenticatingDataSource.Login throughSqlServerCallback(String jdbcUrl, Properties driverProperties,
                                                                            TokenLease lease, Duration reconnectTimeout) {
    if (!isSqlServerCallbackAvailable()) {
      throw new IllegalStateException("jdbc:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath (it has "
          + "SQLServerAccessTokenCallback); add the dependency com.microsoft.sqlserver:mssql-jdbc");
    }
    return SqlServerLogin.create(jdbcUrl, driverProperties, lease, reconnectTimeout);
  }

  public static boolean isSqlServerCallbackAvailable() {
    try {
      Class.forName(MSSQL_CALLBACK, false, Logins.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
