package io.github.azuremi.jdbc.bench.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * The local MariaDB (or MySQL) server of the benchmarks: users that log in with {@code mysql_native_password},
 * whose password is set to a static secret or to a token the endpoint just issued.
 *
 * <p>The admin URL comes from {@value #ADMIN_URL_ENV} (as for the library's tests), else
 * {@value #DEFAULT_ADMIN_URL}. Only the {@code mysql_native_password} hash (computed here) goes into SQL text,
 * so a token never reaches the server's logs. {@link #ensureUser} proves that a wrong password is refused.
 */
public final class Mysql implements AutoCloseable {

  public static final String ADMIN_URL_ENV = "MIDS_TEST_MYSQL_ADMIN_URL";
  public static final String DEFAULT_ADMIN_URL = "jdbc:mysql://127.0.0.1:3306/test?user=root&sslMode=DISABLED";
  /** '%' for any client; 'localhost' because an anonymous ''@'localhost' account would outrank '%' on loopback. */
  private static final List<String> HOSTS = List.of("%", "localhost");
  private static final int ACCESS_DENIED = 1045;

  private final String adminUrl;
  private final String jdbcUrl;
  private final boolean mariaDb;
  private Connection admin;

  private Mysql(String adminUrl) throws SQLException {
    this.adminUrl = adminUrl;
    String url = Postgres.withoutCredentials(adminUrl);
    if (!url.contains("sslMode=") && !url.contains("useSSL=")) {
      url = url + (url.contains("?") ? "&" : "?") + "sslMode=DISABLED";
    }
    this.jdbcUrl = url;
    this.admin = DriverManager.getConnection(adminUrl);
    try (Statement sql = admin.createStatement(); ResultSet version = sql.executeQuery("SELECT VERSION()")) {
      version.next();
      mariaDb = version.getString(1).toLowerCase(Locale.ROOT).contains("mariadb");
    }
  }

  public static Mysql connect() {
    String url = System.getenv(ADMIN_URL_ENV);
    url = url == null || url.isBlank() ? DEFAULT_ADMIN_URL : url.trim();
    try {
      return new Mysql(url);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach MySQL/MariaDB as admin at " + Postgres.withoutCredentials(url)
          + " (set " + ADMIN_URL_ENV + " to an admin JDBC URL; .ci/run starts the local MariaDB): "
          + e.getMessage(), e);
    }
  }

  /** The URL an application uses, without credentials (plaintext on loopback: sslMode=DISABLED). */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  public boolean isMariaDb() {
    return mariaDb;
  }

  private Connection admin() throws SQLException {
    if (admin == null || !admin.isValid(5)) {
      try {
        if (admin != null) {
          admin.close();
        }
      } catch (SQLException ignored) {
        // replaced below
      }
      admin = DriverManager.getConnection(adminUrl);
    }
    return admin;
  }

  /** Creates (if missing) a {@code mysql_native_password} user, and checks that it needs its password. */
  public synchronized void ensureUser(String user) {
    requireUserName(user);
    try (Statement sql = admin().createStatement()) {
      String database = admin().getCatalog();
      String unguessable = nativePasswordHash(UUID.randomUUID().toString());
      for (String host : HOSTS) {
        sql.execute("CREATE USER IF NOT EXISTS " + account(user, host) + identifiedBy(unguessable));
        sql.execute("ALTER USER " + account(user, host) + identifiedBy(unguessable));
        sql.execute("GRANT SELECT ON `" + database + "`.* TO " + account(user, host));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not create user " + user + ": " + e.getMessage(), e);
    }
    Properties wrong = new Properties();
    wrong.setProperty("user", user);
    wrong.setProperty("password", "not-the-password-" + UUID.randomUUID());
    wrong.setProperty("defaultAuthenticationPlugin", "mysql_native_password");
    try (Connection ignored = DriverManager.getConnection(jdbcUrl, wrong)) {
      throw new IllegalStateException("MySQL/MariaDB let user " + user + " in with a wrong password: a benchmark"
          + " would measure a login without authentication");
    } catch (SQLException e) {
      if (e.getErrorCode() != ACCESS_DENIED) {
        throw new IllegalStateException("expected MySQL/MariaDB to refuse user " + user + " a wrong password with"
            + " error 1045, got " + e.getErrorCode() + ": " + e.getMessage(), e);
      }
    }
  }

  /** Makes {@code password} the user's {@code mysql_native_password}; only its hash goes into SQL text. */
  public synchronized void setPassword(String user, String password) {
    requireUserName(user);
    String hash = nativePasswordHash(password);
    try (Statement sql = admin().createStatement()) {
      for (String host : HOSTS) {
        sql.execute("ALTER USER " + account(user, host) + identifiedBy(hash));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not set the password of user " + user + ": " + e.getMessage(), e);
    }
  }

  private String identifiedBy(String hash) {
    return mariaDb
        ? " IDENTIFIED VIA mysql_native_password USING '" + hash + "'"
        : " IDENTIFIED WITH mysql_native_password AS '" + hash + "'";
  }

  private static String account(String user, String host) {
    return "'" + user + "'@'" + host + "'";
  }

  /** What mysql_native_password stores: '*' and the upper-case hex of SHA1(SHA1(password)). */
  static String nativePasswordHash(String password) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] once = sha1.digest(password.getBytes(StandardCharsets.UTF_8));
      return "*" + HexFormat.of().withUpperCase().formatHex(sha1.digest(once));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void requireUserName(String user) {
    if (!user.matches("[a-z_][a-z0-9_]{0,31}")) {
      throw new IllegalArgumentException("not a plain user name: " + user);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (admin != null) {
        admin.close();
      }
    } catch (SQLException ignored) {
      // closing
    }
  }

  @Override
  public String toString() {
    return "Mysql[" + jdbcUrl + "]";
  }
}
