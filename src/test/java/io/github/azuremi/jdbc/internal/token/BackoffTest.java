package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Backoff construction and the overflow of the doubling. */
class BackoffTest {

    @Test
    void aMaxEqualToTheInitialDelayIsAcceptedAndCapsEveryDelay() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(backoff.delayNanos(5, 0.0)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofMillis(1999)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("less than initial backoff");
    }

    @Test
    void theDefaultsStartAtOneSecondAndStopAtThirtySeconds() {
        Backoff backoff = Backoff.defaults();
        assertThat(backoff.initial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.max()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aDoublingThatOverflowsToZeroWaitsTheMaximum() {
        // 2^34 ns shifted by 30 is 2^64, which is 0 in a long
        Backoff backoff = new Backoff(Duration.ofNanos(1L << 34), Duration.ofHours(1));
        assertThat(backoff.delayNanos(31, 0.0)).isEqualTo(Duration.ofMinutes(30).toNanos());
        assertThat(backoff.delayNanos(1000, 0.0))
                .isEqualTo(Duration.ofMinutes(30).toNanos());
    }
}
