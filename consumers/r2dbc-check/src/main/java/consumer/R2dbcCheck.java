package consumer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The check of the R2DBC consumers (shared by r2dbc-spring-boot-app and r2dbc-reactor): the application's R2DBC pool
 * logs in through the library's {@code r2dbc:pool:azuremi:...} factory as the expected role, and goes on opening new
 * connections (the pool retires each after a second or two) until two have logged in after the identity endpoint
 * minted a new token (a rotation: the database then takes only the new token). Anything else throws, so the JVM exits
 * non-zero and no "CONSUMER OK" line is printed.
 */
public final class R2dbcCheck {

  /** What one login reports: the database user, the physical session, the TLS version (or none). */
  public record Login(String loginUser, String session, String tls) {}

  /** The query of a login, per database: columns login_user, session, tls. */
  public static final String POSTGRESQL = "SELECT current_user AS login_user, "
      + "pg_backend_pid() || '@' || (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS session, "
      + "(SELECT coalesce(max(version), 'none') FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl) AS tls";
  public static final String MYSQL = "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS login_user, "
      + "CAST(CONNECTION_ID() AS CHAR) AS session, (SELECT coalesce(max(nullif(VARIABLE_VALUE, '')), 'none') "
      + "FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version') AS tls";

  private static final Pattern ISSUED = Pattern.compile("\"issued\"\\s*:\\s*(\\d+)");
  private static int retries;

  private R2dbcCheck() {
  }

  public static String sql(String database) {
    return switch (database) {
      case "postgresql" -> POSTGRESQL;
      case "mariadb", "mysql" -> MYSQL;
      default -> throw new IllegalArgumentException("database " + database + ": postgresql or mariadb");
    };
  }

  /**
   * @param label what runs, for the output
   * @param login one login through the application's pool (blocking: called on the main thread only)
   * @param what  the application's stack (pool, repository), for the output
   */
  public static String run(String label, Callable<Login> login, String expectedUser, String what) throws Exception {
    URI stats = URI.create(System.getenv("IDENTITY_ENDPOINT").replace("/msi/token", "/stats"));
    long start = System.nanoTime();
    long seconds = Long.getLong("check.seconds", 90);
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    Set<String> sessions = new LinkedHashSet<>();

    Login first = loginRacingRotation(label, login, expectedUser, stats);
    sessions.add(first.session());
    int mintedAtFirstLogin = minted(stats);
    if (mintedAtFirstLogin < 1) {
      throw new AssertionError("[" + label + "] logged in, but the identity endpoint minted no token");
    }
    int loginsAfterRotation = 0;
    double rotationSeenAt = -1;
    while (loginsAfterRotation < 2) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("[" + label + "] no new login after a token rotation within " + seconds
            + " s (logins " + sessions.size() + ", tokens minted " + minted(stats) + ")");
      }
      Thread.sleep(1000);
      int mintedBefore = minted(stats);
      Login session = loginRacingRotation(label, login, expectedUser, stats);
      boolean newPhysical = sessions.add(session.session());
      if (mintedBefore > mintedAtFirstLogin && newPhysical) {
        if (rotationSeenAt < 0) {
          rotationSeenAt = (System.nanoTime() - start) / 1e9;
        }
        loginsAfterRotation++;
      }
    }
    return "CONSUMER OK [" + label + "] logins=" + sessions.size() + " tokens minted=" + minted(stats)
        + " (first login after a rotation at +" + String.format("%.1f", rotationSeenAt) + " s"
        + (retries > 0 ? ", " + retries + " login(s) retried" : "") + ") as " + first.loginUser() + "; TLS "
        + first.tls() + "; " + what + "; Java " + Runtime.version().feature();
  }

  /**
   * A login that is tried once more when it failed while the endpoint minted a new token: PostgreSQL reads the role's
   * password when a login begins, so a login that began before the endpoint replaced it (ALTER ROLE) and then got the
   * new token fails. (Azure validates the token itself; there the old token stays valid until it expires.) Said in
   * the output.
   */
  private static Login loginRacingRotation(String label, Callable<Login> login, String expectedUser, URI stats)
      throws Exception {
    int mintedBefore = minted(stats);
    try {
      return checked(label, login.call(), expectedUser);
    } catch (RuntimeException e) {
      if (minted(stats) == mintedBefore || retries >= 2) {
        throw e;
      }
      retries++;
      System.out.println("[" + label + "] a login raced a token rotation (" + e.getMessage() + "): tried again");
      return checked(label, login.call(), expectedUser);
    }
  }

  private static Login checked(String label, Login login, String expectedUser) {
    if (login == null || !expectedUser.equals(login.loginUser())) {
      throw new AssertionError("[" + label + "] logged in as " + login + ", expected " + expectedUser);
    }
    return login;
  }

  private static int minted(URI stats) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(stats).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = ISSUED.matcher(r.body());
    if (r.statusCode() != 200 || !m.find()) {
      throw new AssertionError(stats + " answered " + r.statusCode() + ": " + r.body());
    }
    return Integer.parseInt(m.group(1));
  }
}
