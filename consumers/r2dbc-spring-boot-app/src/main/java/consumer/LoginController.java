package consumer;

import consumer.R2dbcCheck.Login;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** GET /login: one connection of the pool, asked through the repository, on WebFlux's event loop. */
@RestController
class LoginController {

  private final LoginRepository logins;
  private final boolean postgresql;

  LoginController(LoginRepository logins, Environment environment) {
    this.logins = logins;
    this.postgresql = environment.matchesProfiles("postgresql");
  }

  @GetMapping("/login")
  Mono<Login> login() {
    return postgresql ? logins.postgresql() : logins.mariadb();
  }
}
