package consumer;

import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.version.VersionUtils;
import io.micronaut.inject.qualifiers.Qualifiers;
import javax.sql.DataSource;

/**
 * A Micronaut application with two named datasources of micronaut-jdbc-hikari (application.properties: datasources.*
 * only, the library's driver plugins named in the JDBC URLs): the argument (postgresql or mysql) picks the one to
 * check; the exit code is the result.
 */
public class Application {

  public static void main(String[] args) throws Exception {
    String database = args.length == 1 ? args[0] : "";
    if (!database.equals("postgresql") && !database.equals("mysql")) {
      throw new IllegalArgumentException("argument: postgresql or mysql");
    }
    try (ApplicationContext context = ApplicationContext.run()) {
      DataSource dataSource = context.getBean(DataSource.class, Qualifiers.byName(database));
      // HikariCP refuses a maxLifetime under 30 s: evict instead, so that the next connection is a new login
      HikariDataSource hikari = dataSource.unwrap(HikariDataSource.class);
      String user = context.getRequiredProperty("datasources." + database + ".username", String.class);
      System.out.println(PluginCheck.run("micronaut-" + VersionUtils.getMicronautVersion() + "/" + database, database,
          dataSource, () -> hikari.getHikariPoolMXBean().softEvictConnections(), user));
    }
    System.exit(0);
  }
}
