package io.github.azuremi.jdbc.spring;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** Spring Boot 4's health module: {@link TokenHealth} as {@code managedIdentityToken} in /actuator/health. */
final class Boot4TokenHealthIndicator extends AbstractHealthIndicator {

    private final TokenHealth health;

    Boot4TokenHealthIndicator(TokenHealth health) {
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
