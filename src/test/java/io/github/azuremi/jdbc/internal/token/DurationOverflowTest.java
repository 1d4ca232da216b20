package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Durations beyond what a long of nanoseconds holds (about 292 years) neither throw nor wedge an identity: a
 * token that in practice never expires is served and scheduled, and a fetch timeout of Long.MAX_VALUE ms falls
 * back when checked and saturates in the core. Regressions found in the review of token core v2 (finding 2):
 * {@code Duration.toNanos()} overflowed inside the request, after it was published, so the answer was lost
 * and the request stayed in flight.
 */
class DurationOverflowTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    @Test
    void aTokenThatNeverExpiresInPracticeIsServed() {
        rig.credential().lifetime(Duration.ofDays(365L * 300)); // e.g. a static token wrapped with OffsetDateTime.MAX
        TokenLease lease = rig.fetchOnThreads().lease(TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(500)));

        assertThat(lease.acquire(Duration.ofMillis(500)).accessToken()).isEqualTo("token-1");
    }

    @Test
    void aTokenThatNeverExpiresInPracticeDoesNotLeaveTheRequestInFlight() {
        rig.credential().lifetime(Duration.ofDays(365L * 300));
        TokenLease lease = rig.lease();

        // before the fix a raw ArithmeticException (not even a TokenUnavailableException) reached the driver
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-1");
        assertThat(String.valueOf(lease.unavailableReason()))
                .as("no request left hanging")
                .doesNotContain("has been running");
    }

    /**
     * tokenFetchTimeout=Long.MAX_VALUE ms ("no timeout") passes TokenSettings.checked(); launch() then throws
     * ArithmeticException at settings.fetchTimeout().toNanos() after inFlight was published: the request is never
     * started, never timed out and never cleared, so the identity never gets a token again.
     */
    @Test
    void aHugeFetchTimeoutDoesNotWedgeTheIdentity() {
        TokenSettings huge = TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(Long.MAX_VALUE));
        List<String> warnings = new ArrayList<>();
        assertThat(huge.checked(warnings).fetchTimeout())
                .as("the setting falls back")
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(warnings).singleElement().asString().contains("tokenFetchTimeout must be between");
        TokenSettings settings = huge; // and the core itself saturates, should unchecked settings ever reach it
        TokenLease lease = rig.lease(settings);

        try {
            lease.acquire(WAIT);
        } catch (RuntimeException first) {
            // before the fix: java.lang.ArithmeticException: long overflow
        }
        rig.time().advance(Duration.ofMinutes(5));
        rig.timer().runDue();
        assertThat(String.valueOf(lease.unavailableReason()))
                .as("the request is not stuck in flight")
                .doesNotContain("has been running");
        assertThat(lease.acquire(WAIT).accessToken()).startsWith("token-");
    }
}
