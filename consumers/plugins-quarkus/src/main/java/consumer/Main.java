package consumer;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A Quarkus command-mode application with two named Agroal datasources (application.properties: quarkus.datasource.*
 * only, the library's driver plugins named in the JDBC URLs, max-lifetime 3 s so that the pool opens new physical
 * connections): the argument (postgresql or mysql) picks the one to check; the exit code is the result.
 */
@QuarkusMain
public class Main implements QuarkusApplication {

  @Inject
  @DataSource("postgresql")
  AgroalDataSource postgresql;

  @Inject
  @DataSource("mysql")
  AgroalDataSource mysql;

  @ConfigProperty(name = "quarkus.datasource.postgresql.username")
  String postgresqlUser;

  @ConfigProperty(name = "quarkus.datasource.mysql.username")
  String mysqlUser;

  public static void main(String... args) {
    Quarkus.run(Main.class, args);
  }

  @Override
  public int run(String... args) throws Exception {
    String database = args.length == 1 ? args[0] : "";
    String label = "quarkus/" + database;
    System.out.println(switch (database) {
      case "postgresql" -> PluginCheck.run(label, database, postgresql, null, postgresqlUser);
      case "mysql" -> PluginCheck.run(label, database, mysql, null, mysqlUser);
      default -> throw new IllegalArgumentException("argument: postgresql or mysql");
    });
    return 0;
  }
}
