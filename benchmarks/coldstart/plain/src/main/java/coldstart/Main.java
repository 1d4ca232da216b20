package coldstart;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * {@code Main static|library}: a pool, then one query; prints {@code COLDSTART first-query} when its result is in.
 * Settings from the environment: CS_JDBC_URL, CS_USER, CS_PASSWORD (static only).
 */
public final class Main {

  public static void main(String[] args) throws Exception {
    HikariDataSource ds;
    if (args[0].equals("static")) {
      ds = new HikariDataSource();
      ds.setPassword(System.getenv("CS_PASSWORD"));
    } else {
      ds = new ManagedIdentityDataSource(); // credential=default, as users start
    }
    ds.setJdbcUrl(System.getenv("CS_JDBC_URL"));
    ds.setUsername(System.getenv("CS_USER"));
    try (ds;
        Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user")) {
      rs.next();
      System.out.println("COLDSTART first-query " + rs.getString(1));
    }
  }
}
