package io.github.azuremi.jdbc.bench.support;

import org.postgresql.util.PasswordUtil;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The local PostgreSQL server of the benchmarks: roles that must log in with a password, and setting a
 * role's password (to a static secret, or to a token the endpoint just issued).
 *
 * <p>The admin URL comes from {@value #ADMIN_URL_ENV} (as for the library's tests), else
 * {@value #DEFAULT_ADMIN_URL}. The roles join group {@value #TOKEN_GROUP}, which pg_hba.conf must send to
 * {@code scram-sha-256} above the loopback trust line; {@link #ensureRole} proves that a wrong password is
 * refused, so no benchmark can measure a trusted login by mistake.
 */
public final class Postgres implements AutoCloseable {

  public static final String ADMIN_URL_ENV = "MIDS_TEST_POSTGRES_ADMIN_URL";
  public static final String DEFAULT_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  public static final String TOKEN_GROUP = "mi_token_users";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String adminUrl;
  private final String jdbcUrl;
  private Connection admin;

  private Postgres(String adminUrl) throws SQLException {
    this.adminUrl = adminUrl;
    this.jdbcUrl = withoutCredentials(adminUrl);
    this.admin = openAdmin();
  }

  private Connection openAdmin() throws SQLException {
    Connection c = DriverManager.getConnection(adminUrl);
    try (Statement sql = c.createStatement()) {
      // a password change is a catalog write: do not wait for the WAL flush on every issued token
      sql.execute("SET synchronous_commit = off");
      // other work shares this server: fail fast instead of queueing behind someone's lock
      sql.execute("SET lock_timeout = '10s'");
    }
    return c;
  }

  /** The admin connection, reopened if the server dropped it (other work on this machine restarts it). */
  private Connection admin() throws SQLException {
    if (admin == null || !admin.isValid(5)) {
      try {
        if (admin != null) {
          admin.close();
        }
      } catch (SQLException ignored) {
        // replaced below
      }
      admin = openAdmin();
    }
    return admin;
  }

  public static Postgres connect() {
    String url = System.getenv(ADMIN_URL_ENV);
    url = url == null || url.isBlank() ? DEFAULT_ADMIN_URL : url.trim();
    try {
      return new Postgres(url);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach PostgreSQL as admin at " + withoutCredentials(url)
          + " (set " + ADMIN_URL_ENV + " to an admin JDBC URL): " + e.getMessage(), e);
    }
  }

  /** The URL an application uses, without credentials. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** Creates (if missing) a login role in {@value #TOKEN_GROUP}, and checks that it needs its password. */
  public synchronized void ensureRole(String role) {
    requireRoleName(role);
    try (Statement sql = admin().createStatement()) {
      createRoleIfMissing(sql, TOKEN_GROUP, "NOLOGIN");
      createRoleIfMissing(sql, role, "LOGIN");
      sql.execute("ALTER ROLE " + role + " LOGIN");
      sql.execute("GRANT " + TOKEN_GROUP + " TO " + role);
      sql.execute("GRANT CONNECT ON DATABASE \"" + admin().getCatalog() + "\" TO " + TOKEN_GROUP);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create role " + role + ": " + e.getMessage(), e);
    }
    String wrong = "not-the-password-" + UUID.randomUUID();
    try (Connection ignored = DriverManager.getConnection(jdbcUrl, role, wrong)) {
      throw new IllegalStateException("PostgreSQL let role " + role + " in with a wrong password: pg_hba.conf trusts "
          + "it, so a benchmark would measure a login without authentication. Add above the trust lines of "
          + "pg_hba.conf (SHOW hba_file) and reload (SELECT pg_reload_conf()):\n"
          + "  host all +" + TOKEN_GROUP + " 127.0.0.1/32 scram-sha-256\n"
          + "  host all +" + TOKEN_GROUP + " ::1/128 scram-sha-256\n"
          + "(.ci/run does this.)");
    } catch (SQLException e) {
      if (!"28P01".equals(e.getSQLState())) {
        throw new IllegalStateException("expected PostgreSQL to refuse role " + role + " a wrong password with "
            + "SQLState 28P01, got " + e.getSQLState() + ": " + e.getMessage(), e);
      }
    }
  }

  private final java.util.Set<String> ensured = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** {@link #ensureRole} the first time a role is named here; nothing after that. */
  public void ensureRoleOnce(String role) {
    if (!ensured.contains(role)) {
      ensureRole(role);
      ensured.add(role);
    }
  }

  /**
   * Makes {@code password} the role's password until {@code validUntil} (null: no expiry). As in the
   * library's tests, only the SCRAM-SHA-256 verifier (computed here, 4096 iterations) is sent, so a token
   * never appears in SQL text or server logs.
   */
  public synchronized void setPassword(String role, String password, Instant validUntil) {
    requireRoleName(role);
    String verifier = PasswordUtil.encodeScramSha256(password.toCharArray());
    try (Statement sql = admin().createStatement()) {
      sql.execute("ALTER ROLE " + role + " PASSWORD '" + verifier + "' VALID UNTIL '"
          + (validUntil == null ? "infinity" : validUntil.toString()) + "'");
    } catch (SQLException e) {
      throw new IllegalStateException("could not set the password of role " + role + ": " + e.getMessage(), e);
    }
  }

  /** A random password of {@code length} base64url characters (the alphabet of a JWT). */
  public static String randomPassword(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, length);
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

  private static void createRoleIfMissing(Statement sql, String role, String options) throws SQLException {
    sql.execute("DO $$ BEGIN CREATE ROLE " + role + " " + options + ";"
        + " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
  }

  private static void requireRoleName(String role) {
    if (!role.matches("[a-z_][a-z0-9_]{0,31}")) {
      throw new IllegalArgumentException("not a plain role name: " + role);
    }
  }

  static String withoutCredentials(String url) {
    int q = url.indexOf('?');
    if (q < 0) {
      return url;
    }
    List<String> kept = new ArrayList<>();
    for (String pair : url.substring(q + 1).split("&")) {
      String key = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
      if (!key.equalsIgnoreCase("user") && !key.equalsIgnoreCase("password") && !pair.isEmpty()) {
        kept.add(pair);
      }
    }
    return url.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  @Override
  public String toString() {
    return "Postgres[" + jdbcUrl + "]";
  }
}
