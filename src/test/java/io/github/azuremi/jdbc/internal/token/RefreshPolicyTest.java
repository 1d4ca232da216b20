package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Refresh timing as a pure function of (fetched at, expires at, hint, random sample), and its range checks. */
class RefreshPolicyTest {

    private static final Instant T0 = Instant.parse("2026-11-28T00:00:00Z");
    private static final Duration MARGIN = Duration.ofSeconds(30);
    private final RefreshPolicy policy = RefreshPolicy.defaults();

    @Test
    void aManagedIdentityTokenOf24HoursIsRefreshedAfter12To13Hours() {
        RefreshPolicy.Schedule s = policy.schedule(T0, T0.plus(Duration.ofHours(24)), null, 0.0);
        assertThat(s.refreshAt()).isEqualTo(T0.plus(Duration.ofHours(12)));
        assertThat(s.usableUntil()).isEqualTo(T0.plus(Duration.ofHours(24)).minusSeconds(30));

        RefreshPolicy.Schedule late = policy.schedule(T0, T0.plus(Duration.ofHours(24)), null, 0.999_999);
        assertThat(late.refreshAt())
                .isBetween(T0.plus(Duration.ofHours(13)), T0.plus(Duration.ofMinutes(13 * 60 + 12)));
    }

    @Test
    void aDeveloperTokenOf75MinutesIsRefreshedAfterAbout38Minutes() {
        RefreshPolicy.Schedule s = policy.schedule(T0, T0.plus(Duration.ofMinutes(75)), null, 0.0);
        assertThat(s.refreshAt()).isEqualTo(T0.plus(Duration.ofSeconds(75 * 30)));
    }

    @Test
    void aTokenOfSecondsStillHasAUsefulScheduleAndMargin() {
        RefreshPolicy.Schedule s = policy.schedule(T0, T0.plusSeconds(30), null, 0.0);
        assertThat(s.refreshAt()).isEqualTo(T0.plusSeconds(15));
        assertThat(s.usableUntil()).isEqualTo(T0.plusSeconds(27)); // margin capped at a tenth of the lifetime
    }

    @Test
    void aRefreshHintBetweenNowAndExpiryWins() {
        RefreshPolicy.Schedule s =
                policy.schedule(T0, T0.plus(Duration.ofHours(24)), T0.plus(Duration.ofHours(2)), 0.0);
        assertThat(s.refreshAt()).isEqualTo(T0.plus(Duration.ofHours(2)));
    }

    @Test
    void aRefreshHintInThePastOrAfterExpiryIsIgnored() {
        Instant expiry = T0.plus(Duration.ofHours(24));
        assertThat(policy.schedule(T0, expiry, T0.minusSeconds(1), 0.0).refreshAt())
                .isEqualTo(T0.plus(Duration.ofHours(12)));
        assertThat(policy.schedule(T0, expiry, expiry.plusSeconds(1), 0.0).refreshAt())
                .isEqualTo(T0.plus(Duration.ofHours(12)));
    }

    @Test
    void jitterOnlyDelaysTheRefreshAndNeverPastTheUsableTime() {
        Instant expiry = T0.plus(Duration.ofHours(1));
        RefreshPolicy wide = new RefreshPolicy(0.5, 0.5, Duration.ofSeconds(30));
        for (double r = 0; r < 1; r += 0.05) {
            RefreshPolicy.Schedule s = wide.schedule(T0, expiry, null, r);
            assertThat(s.refreshAt()).isBetween(T0.plus(Duration.ofMinutes(30)), s.usableUntil());
        }
    }

    @Test
    void aTokenAlreadyExpiredIsNotUsableAtAll() {
        RefreshPolicy.Schedule s = policy.schedule(T0, T0.minusSeconds(5), null, 0.0);
        assertThat(s.usableUntil()).isBefore(T0);
    }

    @Test
    void invalidSettingsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> new RefreshPolicy(1.0, 0.1, Duration.ZERO)).hasMessageContaining("ratio");
        assertThatThrownBy(() -> new RefreshPolicy(0.5, 0.9, Duration.ZERO)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> new RefreshPolicy(0.5, 0.1, Duration.ofSeconds(-1)))
                .hasMessageContaining("expiryMargin");
    }

    @Test
    void backoffDoublesFromTheInitialDelayUpToTheCapWithEqualJitter() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        assertThat(backoff.delayNanos(1, 0.0)).isEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(backoff.delayNanos(1, 1.0)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(backoff.delayNanos(3, 0.0)).isEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(backoff.delayNanos(10, 1.0)).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(backoff.delayNanos(1_000, 0.0))
                .isEqualTo(Duration.ofSeconds(15).toNanos());
    }

    // the range checks at their exact edges -------------------------------------------------------------

    @Test
    void aRatioOfExactlyZeroOrOneIsRefused() {
        assertThatThrownBy(() -> new RefreshPolicy(0.0, 0.1, MARGIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratio");
        assertThatThrownBy(() -> new RefreshPolicy(1.0, 0.1, MARGIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratio");
    }

    @Test
    void aJitterOfExactlyZeroOrOneHalfIsAccepted() {
        assertThat(new RefreshPolicy(0.5, 0.0, MARGIN).jitter()).isEqualTo(0.0);
        assertThat(new RefreshPolicy(0.5, 0.5, MARGIN).jitter()).isEqualTo(0.5);
        assertThat(new RefreshPolicy(0.25, 0.5, Duration.ZERO).ratio()).isEqualTo(0.25);
        assertThat(new RefreshPolicy(0.25, 0.5, Duration.ZERO).expiryMargin()).isEqualTo(Duration.ZERO);
    }
}
