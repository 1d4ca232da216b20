package io.github.azuremi.jdbc.spring;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** Spring Boot 3's actuator: {@link TokenHealth} as {@code managedIdentityToken} in /actuator/health. */
final class Boot3TokenHealthIndicator extends AbstractHealthIndicator {

    private final TokenHealth health;

    Boot3TokenHealthIndicator(TokenHealth health) {
        super("managed identity token health check failed");
        this.health = health;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        TokenHealth.Result r = health.check();
        switch (r.state()) {
            case UP -> builder.up();
            case DOWN -> builder.down();
            default -> builder.unknown();
        }
        builder.withDetails(r.details());
    }
}
