package consumer;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * The README's quick start ({@code quickstart}) and the {@code Properties} form of docs/configuration.md
 * ({@code properties}), against the database and identity endpoint the environment names. Exit 0 and "CONSUMER OK"
 * when the login as DATABASE_USERNAME works.
 */
public final class Main {

  public static void main(String[] args) throws Exception {
    long start = Long.getLong("consumer.jvmStart", 0);
    String mode = args.length > 0 ? args[0] : "quickstart";
    String url = System.getenv("DATABASE_URL");
    String user = System.getenv("DATABASE_USERNAME");
    String clientId = System.getenv("AZURE_CLIENT_ID");

    ManagedIdentityDataSource ds;
    if (mode.equals("properties")) {
      var p = new Properties();
      p.setProperty("jdbcUrl", url);
      p.setProperty("username", user);
      p.setProperty("credential", "managed-identity");
      p.setProperty("managedIdentityClientId", clientId);
      p.setProperty("maximumPoolSize", "3");
      p.setProperty("poolName", "consumer-properties");
      ds = new ManagedIdentityDataSource(p);
    } else {
      ds = new ManagedIdentityDataSource();
      ds.setJdbcUrl(url);
      ds.setUsername(user);                     // the database role mapped to the identity
      ds.setManagedIdentityClientId(clientId);  // only for a user-assigned identity
    }
    try (ds; Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT current_user")) {
      rs.next();
      String current = rs.getString(1);
      if (!current.equals(user)) {
        throw new AssertionError("logged in as " + current + ", expected " + user);
      }
      long tookMs = System.currentTimeMillis() - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
      System.out.println("CONSUMER OK " + mode + ": logged in as " + current + " with " + ds.getTokenDescription()
          + "; first query " + tookMs + " ms after JVM start");
    }
  }
}
