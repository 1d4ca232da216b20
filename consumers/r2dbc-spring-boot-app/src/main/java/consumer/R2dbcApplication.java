package consumer;

import consumer.R2dbcCheck.Login;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A Spring Boot WebFlux + Spring Data R2DBC application, built by consumers/r2dbc-spring-boot-3.5 and -4.0 with each
 * Boot's own parent, configured by spring.r2dbc.* only (application-PROFILE.properties): Boot's R2DBC
 * auto-configuration builds the connection factory from r2dbc:pool:azuremi:... through R2DBC's discovery. Each login
 * of the check is an HTTP request to this application's own WebFlux endpoint (/login), which asks a Spring Data
 * repository; then the library's health indicator must say UP through the actuator.
 */
@SpringBootApplication
public class R2dbcApplication {

  public static void main(String[] args) {
    System.exit(SpringApplication.exit(SpringApplication.run(R2dbcApplication.class, args)));
  }

  @Bean
  ApplicationRunner check(ConnectionFactory connectionFactory, Environment environment) {
    return args -> {
      String database = String.join(",", environment.getActiveProfiles());
      String label = "spring-boot-" + SpringBootVersion.getVersion() + "/" + database;
      WebClient web = WebClient.create("http://127.0.0.1:" + environment.getRequiredProperty("local.server.port"));
      Duration timeout = Duration.ofSeconds(60);
      String stack = "factories " + chain(connectionFactory) + "; WebFlux + Spring Data R2DBC";
      System.out.println(R2dbcCheck.run(label,
          () -> web.get().uri("/login").retrieve().bodyToMono(Login.class).block(timeout),
          environment.getRequiredProperty("spring.r2dbc.username"), stack));
      // the component of the library; the whole of /actuator/health is OUT_OF_SERVICE (503) on Boot 4 while
      // application runners run (readiness comes after them)
      String health = web.get().uri("/actuator/health").exchangeToMono(r -> r.bodyToMono(String.class)).block(timeout);
      System.out.println("[" + label + "] /actuator/health: " + health);
      String component = component(health, "managedIdentityR2dbcToken");
      if (!component.contains("\"status\":\"UP\"") || !component.contains("\"expiresIn\"")) {
        throw new AssertionError("[" + label + "] the health of the token is not UP: " + health);
      }
      String metric = web.get().uri("/actuator/metrics/managed.identity.token.expires.in").retrieve()
          .bodyToMono(String.class).block(timeout);
      if (metric == null || !metric.contains("\"pool\"") || !metric.contains("\"connectionFactory\"")) {
        throw new AssertionError("[" + label + "] no token metric of the pool connectionFactory: " + metric);
      }
      System.out.println("[" + label + "] health managedIdentityR2dbcToken UP; metric managed.identity.token.expires.in"
          + " tagged pool=connectionFactory");
    };
  }

  /**
   * The JSON object of one health component (Boot 3 writes its status before its details, Boot 4 after them); empty
   * when there is none.
   */
  private static String component(String health, String name) {
    int start = health == null ? -1 : health.indexOf("\"" + name + "\":{");
    if (start < 0) {
      return "";
    }
    int depth = 0;
    for (int i = health.indexOf('{', start); i < health.length(); i++) {
      char c = health.charAt(i);
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      if (depth == 0) {
        return health.substring(start, i + 1);
      }
    }
    return "";
  }

  /** The connection factory and the ones it wraps, by class name (r2dbc-pool, then the library's). */
  private static String chain(ConnectionFactory factory) {
    List<String> names = new ArrayList<>();
    Object current = factory;
    while (current != null && names.size() < 8) {
      names.add(current.getClass().getSimpleName());
      current = current instanceof Wrapped<?> w ? w.unwrap() : null;
    }
    return String.join(" > ", names);
  }
}
