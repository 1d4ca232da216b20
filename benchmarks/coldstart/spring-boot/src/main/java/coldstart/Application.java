package coldstart;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** PetClinic-sized: an entity, a repository, SQL initialisation, a controller; one query at start, one per request. */
@SpringBootApplication
public class Application {

  public static void main(String[] args) {
    SpringApplication.run(Application.class, args);
  }

  @Bean
  CommandLineRunner firstQuery(OwnerRepository owners) {
    return args -> System.out.println("COLDSTART first-query owners=" + owners.count());
  }

  @RestController
  static class Owners {
    private final OwnerRepository owners;

    Owners(OwnerRepository owners) {
      this.owners = owners;
    }

    @GetMapping("/owners/count")
    long count() {
      return owners.count();
    }
  }
}
