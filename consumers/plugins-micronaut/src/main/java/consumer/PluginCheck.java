package consumer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The check of the framework consumers (the same file in plugins-spring-boot-app, plugins-quarkus and
 * plugins-micronaut): the framework's own pool logs in with the token that the library's driver plugin hands the
 * driver, as the expected role, and goes on opening new physical connections until one has logged in after the
 * identity endpoint minted a new token (a rotation: the database then takes only the new token). Anything else
 * throws, so the JVM exits non-zero and no "CONSUMER OK" line is printed.
 */
final class PluginCheck {

  private static final Pattern ISSUED = Pattern.compile("\"issued\"\\s*:\\s*(\\d+)");
  private static int retries;

  private PluginCheck() {
  }

  /**
   * @param label    framework/database, for the output
   * @param database postgresql or mysql
   * @param evict    makes the pool's next connection a new physical one; null when the pool's own max-lifetime
   *                 does it
   */
  static String run(String label, String database, DataSource dataSource, Runnable evict, String expectedUser)
      throws Exception {
    if (dataSource.getClass().getName().startsWith("io.github.azuremi.")) {
      throw new AssertionError("[" + label + "] the DataSource is the library's " + dataSource.getClass().getName());
    }
    URI stats = URI.create(System.getenv("IDENTITY_ENDPOINT").replace("/msi/token", "/stats"));
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(Long.getLong("check.seconds", 90));
    Set<String> sessions = new LinkedHashSet<>();

    String[] first = loginRacingRotation(label, database, dataSource, expectedUser, stats, null);
    sessions.add(first[1]);
    int mintedAtFirstLogin = minted(stats);
    if (mintedAtFirstLogin < 1) {
      throw new AssertionError("[" + label + "] logged in, but the identity endpoint minted no token");
    }
    int loginsAfterRotation = 0;
    double rotationSeenAt = -1;
    while (loginsAfterRotation < 2) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("[" + label + "] no new login after a token rotation within "
            + Long.getLong("check.seconds", 90) + " s (logins " + sessions.size() + ", tokens minted " + minted(stats) + ")");
      }
      Thread.sleep(1000);
      int mintedBefore = minted(stats);
      String[] session = loginRacingRotation(label, database, dataSource, expectedUser, stats, evict);
      boolean newPhysical = sessions.add(session[1]);
      if (mintedBefore > mintedAtFirstLogin && newPhysical) {
        if (rotationSeenAt < 0) {
          rotationSeenAt = (System.nanoTime() - start) / 1e9;
        }
        loginsAfterRotation++;
      }
    }
    return "CONSUMER OK [" + label + "] logins=" + sessions.size() + " tokens minted=" + minted(stats)
        + " (first login after a rotation at +" + String.format("%.1f", rotationSeenAt) + " s" + (retries > 0 ? ", " + retries + " login(s) retried" : "")
        + ") as " + first[0] + "; TLS " + first[3]
        + "; driver " + first[2] + "; pool " + dataSource.getClass().getName() + "; Java " + Runtime.version().feature();
  }

  /**
   * A login (after evict, when given) that is tried once more when it failed while the endpoint minted a new token:
   * PostgreSQL reads the role's password when a login begins, so a login that began before the endpoint replaced it
   * (ALTER ROLE) and then got the new token from the plugin fails. (Azure validates the token itself; there the old
   * token stays valid until it expires.) Said in the output.
   */
  private static String[] loginRacingRotation(String label, String database, DataSource dataSource, String expectedUser,
      URI stats, Runnable evict) throws Exception {
    int mintedBefore = minted(stats);
    if (evict != null) {
      evict.run();
    }
    try {
      return login(label, database, dataSource, expectedUser);
    } catch (SQLException e) {
      if (minted(stats) == mintedBefore || retries >= 2) {
        throw e;
      }
      retries++;
      System.out.println("[" + label + "] a login raced a token rotation (" + e.getMessage() + "): tried again");
      return login(label, database, dataSource, expectedUser);
    }
  }

  /** One connection from the pool: {user, physical session id, driver, TLS version or none}; checks the user. */
  private static String[] login(String label, String database, DataSource dataSource, String expectedUser)
      throws Exception {
    String sql = switch (database) {
      case "postgresql" -> "SELECT current_user, pg_backend_pid() || '@' || "
          + "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()), "
          + "(SELECT coalesce(max(version), 'none') FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl)";
      case "mysql" -> "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1), CONNECTION_ID(), (SELECT coalesce(max("
          + "nullif(VARIABLE_VALUE, '')), 'none') FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version')";
      default -> throw new IllegalArgumentException(database);
    };
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      String user = r.getString(1);
      if (!expectedUser.equals(user)) {
        throw new AssertionError("[" + label + "] logged in as " + user + ", expected " + expectedUser);
      }
      return new String[] {user, r.getString(2), c.getMetaData().getDriverName() + " " + c.getMetaData().getDriverVersion(),
          r.getString(3)};
    }
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
