package consumer;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import javax.sql.DataSource;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A Spring Boot application, built by consumers/plugins-spring-boot-3.5 and -4.0 with each Boot's own parent, whose
 * DataSource is Boot's own HikariCP pool made from spring.datasource.url and .username only: the library's driver
 * plugin, named in the URL, hands the driver the token. The profile (postgresql or mysql) picks the database. The
 * library's auto-configuration is off (not switched on), so the DataSource must be Boot's plain HikariDataSource.
 */
@SpringBootApplication
public class PluginsApplication {

  public static void main(String[] args) {
    System.exit(SpringApplication.exit(SpringApplication.run(PluginsApplication.class, args)));
  }

  @Bean
  ApplicationRunner check(DataSource dataSource, ApplicationContext context, Environment environment) {
    return args -> {
      String database = String.join(",", environment.getActiveProfiles());
      String label = "spring-boot-" + SpringBootVersion.getVersion() + "/" + database;
      if (dataSource.getClass() != HikariDataSource.class) {
        throw new AssertionError("[" + label + "] the DataSource is a " + dataSource.getClass().getName()
            + ", not Boot's plain HikariDataSource");
      }
      if (context.getBeanNamesForType(ManagedIdentityDataSource.class).length != 0) {
        throw new AssertionError("[" + label + "] a ManagedIdentityDataSource bean exists");
      }
      HikariDataSource hikari = (HikariDataSource) dataSource;
      // HikariCP refuses a maxLifetime under 30 s: evict instead, so that the next connection is a new login
      Runnable evict = () -> hikari.getHikariPoolMXBean().softEvictConnections();
      System.out.println(PluginCheck.run(label, database, dataSource, evict,
          environment.getRequiredProperty("spring.datasource.username")));
    };
  }
}
