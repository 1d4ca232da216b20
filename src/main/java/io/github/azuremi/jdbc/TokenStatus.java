package io.github.azuremi.jdbc;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a started pool holds a token it can log in with, for health checks. Never holds the token.
 *
 * @param usable    true when a token is held that may still start a login
 * @param expiresAt when the held token expires; null when none is held
 * @param reason    why no token can be handed out now (no token yet, a request running, the last failure
 *                  and when the next attempt is due); null when {@code usable}
 */
public record TokenStatus(boolean usable, Instant expiresAt, String reason) {

    /** Time left until {@code expiresAt} (zero when past or unknown). */
    public Duration remaining(Instant now) {
        if (expiresAt == null || !expiresAt.isAfter(now)) {
            return Duration.ZERO;
        }
        return Duration.between(now, expiresAt);
    }
}
