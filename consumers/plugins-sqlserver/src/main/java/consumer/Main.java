package consumer;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;

/**
 * Issue 16 row 2, as a user meets it: the token must reach only a SQL Server whose certificate mssql-jdbc verified.
 * Against a fake SQL Server on a non-loopback address of this machine with a self-signed certificate (a man in the
 * middle), every unverified form fails without the fake receiving a token; the verified form logs in through a
 * HikariCP pool configured with nothing but the URL. Settings: -Dazuremi.managedIdentityClientId, and the App
 * Service endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER). Prints "CONSUMER OK [plugins-sqlserver]" only if every
 * check holds; exits 1 otherwise.
 */
public final class Main {

  private static final String CALLBACK = ";accessTokenCallbackClass=io.github.azuremi.jdbc.plugin.SqlServerAccessTokenCallback";
  private static int failures;

  public static void main(String[] args) throws Exception {
    InetAddress remote = nonLoopback();
    try (FakeSqlServer fake = FakeSqlServer.start(remote)) {
      String plain = "jdbc:sqlserver://" + remote.getHostAddress() + ":" + fake.port() + ";databaseName=app;loginTimeout=10";
      String driver = plain.replace("jdbc:sqlserver:", "jdbc:azuremi:sqlserver:");
      System.out.println("fake SQL Server on " + remote.getHostAddress() + ":" + fake.port() + " (self-signed certificate)");

      // the reproduction: the callback named in a jdbc:sqlserver: URL with the usual certificate "fix"
      refused(fake, "callback, encrypt=true;trustServerCertificate=true", plain + ";encrypt=true;trustServerCertificate=true"
          + CALLBACK, "no token is sent");
      refused(fake, "callback, encrypt=optional;trustServerCertificate=true", plain
          + ";encrypt=optional;trustServerCertificate=true" + CALLBACK, "no token is sent");
      // the driver reads the settings and names the one at fault
      refused(fake, "driver, encrypt=false", driver + ";encrypt=false", "encrypt=false does not ask mssql-jdbc to verify");
      refused(fake, "driver, encrypt=optional", driver + ";encrypt=optional", "encrypt=optional does not ask mssql-jdbc to verify");
      refused(fake, "driver, trustServerCertificate=true", driver + ";encrypt=true;trustServerCertificate=true",
          "trustServerCertificate=true makes mssql-jdbc accept any certificate");
      // the defaults verify: the self-signed certificate is not trusted
      refused(fake, "driver, defaults", driver + ";hostNameInCertificate=localhost", "PKIX path building failed");

      // the permitted path: the certificate verified (trustStore), a pool built from the URL alone
      String verified = fake.verifyingUrl("app").replace("jdbc:sqlserver://127.0.0.1:", "jdbc:azuremi:sqlserver://"
          + remote.getHostAddress() + ":");
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(verified);
      config.setPoolName("plugins-sqlserver");
      try (HikariDataSource pool = new HikariDataSource(config); Connection c = pool.getConnection();
           Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT SUSER_SNAME()")) {
        rs.next();
        check("driver, verified certificate, HikariCP: logged in as " + rs.getString(1),
            "consumer-mi".equals(rs.getString(1)) && fake.acceptedLogins() >= 1 && fake.receivedAToken());
      }
    }
    if (failures > 0) {
      System.out.println("CONSUMER FAILED [plugins-sqlserver]: " + failures + " check(s)");
      System.exit(1);
    }
    System.out.println("CONSUMER OK [plugins-sqlserver]");
  }

  /** The connection must fail with {@code expected} somewhere in its causes, and the fake must have no token. */
  private static void refused(FakeSqlServer fake, String name, String url, String expected) {
    try (Connection c = DriverManager.getConnection(url)) {
      check(name + ": connected", false);
    } catch (SQLException e) {
      String why = messages(e);
      check(name + ": refused - " + why.substring(0, Math.min(300, why.length())), why.contains(expected));
    }
    check(name + ": the fake received no token", !fake.receivedAToken());
  }

  private static String messages(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (; t != null; t = t.getCause()) {
      all.append(all.length() == 0 ? "" : " / caused by: ").append(t.getMessage());
    }
    return all.toString();
  }

  private static void check(String what, boolean ok) {
    System.out.println((ok ? "ok     " : "FAILED ") + what);
    if (!ok) {
      failures++;
    }
  }

  private static InetAddress nonLoopback() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp() && !nic.isLoopback()) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a;
          }
        }
      }
    }
    throw new IllegalStateException("no non-loopback IPv4 address on this machine (.ci/run adds one)");
  }
}
