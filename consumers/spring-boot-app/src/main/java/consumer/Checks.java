package consumer;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a user of each way expects; any miss fails the start, so the JVM exits non-zero. */
@Component
class Checks implements ApplicationRunner {

  private final DataSource dataSource;
  private final Environment environment;

  Checks(DataSource dataSource, Environment environment) {
    this.dataSource = dataSource;
    this.environment = environment;
  }

  @Override
  public void run(ApplicationArguments args) throws Exception {
    String profile = String.join(",", environment.getActiveProfiles());
    if (!(dataSource instanceof ManagedIdentityDataSource ds)) {
      throw new AssertionError("[" + profile + "] the DataSource is a " + dataSource.getClass().getName());
    }
    if (Arrays.asList(environment.getActiveProfiles()).contains("plain-bean") && !PlainBeanConfiguration.used) {
      throw new AssertionError("[plain-bean] the DataSource does not come from the plain bean");
    }
    String user = new JdbcTemplate(dataSource).queryForObject("SELECT current_user", String.class);
    long firstQueryMs = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    expect(profile, "current_user", user, System.getenv("DATABASE_USERNAME"));
    // spring.datasource.hikari.* of config/spring/application.yml
    expect(profile, "poolName", ds.getPoolName(), "app");
    expect(profile, "maximumPoolSize", String.valueOf(ds.getMaximumPoolSize()), "10");
    expect(profile, "minimumIdle", String.valueOf(ds.getMinimumIdle()), "2");

    String port = environment.getProperty("local.server.port");
    String base = "http://127.0.0.1:" + port + "/actuator/";
    double expiresIn = value(get(base + "metrics/managed.identity.token.expires.in"));
    if (!(expiresIn > 0)) {
      throw new AssertionError("[" + profile + "] managed.identity.token.expires.in is " + expiresIn);
    }
    double connections = value(get(base + "metrics/hikaricp.connections?tag=pool:app"));
    if (!(connections >= 1)) {
      throw new AssertionError("[" + profile + "] hikaricp.connections{pool=app} is " + connections);
    }
    // the library's indicator (Boot 4's readiness group is OUT_OF_SERVICE until the runners finish: ask the component)
    String tokenHealth = get(base + "health/managedIdentityToken");
    if (!tokenHealth.startsWith("{\"status\":\"UP\"") && !tokenHealth.contains("\"status\":\"UP\"")
        || !tokenHealth.contains("expiresIn")) {
      throw new AssertionError("[" + profile + "] managedIdentityToken health: " + tokenHealth);
    }
    System.out.println("CONSUMER OK [" + profile + "] Spring Boot " + org.springframework.boot.SpringBootVersion.getVersion()
        + ", " + new java.io.File(com.zaxxer.hikari.HikariConfig.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getName().replace("!", "").replace("/", "")
        + ", Java " + Runtime.version().feature() + ": logged in as " + user + "; token expires in "
        + (long) expiresIn + " s; hikaricp.connections=" + (long) connections + "; health " + tokenHealth
        + "; first query " + firstQueryMs + " ms after JVM start");
  }

  private static void expect(String profile, String what, String actual, String expected) {
    if (!expected.equals(actual)) {
      throw new AssertionError("[" + profile + "] " + what + " is " + actual + ", expected " + expected);
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static double value(String metricJson) {
    Matcher m = Pattern.compile("\"statistic\":\"VALUE\",\"value\":([-0-9.E]+)").matcher(metricJson);
    if (!m.find()) {
      throw new AssertionError("no VALUE in " + metricJson);
    }
    return Double.parseDouble(m.group(1));
  }
}
