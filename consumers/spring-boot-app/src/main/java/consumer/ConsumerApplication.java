package consumer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * One Spring Boot application, built by consumers/spring-boot-3.5, -4.0 and -4.1 with each Boot's own parent.
 * Profiles pick how its DataSource is made: {@code auto-enabled} (config/spring/application.yml as shipped),
 * {@code auto-type} (spring.datasource.type), {@code plain-bean} (the plain bean of docs/spring-boot.md). {@link Checks} logs in,
 * reads the actuator's metrics and health over HTTP, then the application exits: 0 when everything held.
 */
@SpringBootApplication
public class ConsumerApplication {

  public static void main(String[] args) {
    var context = SpringApplication.run(ConsumerApplication.class, args);
    System.exit(SpringApplication.exit(context));
  }
}
