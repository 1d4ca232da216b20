package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The range checks of the token settings, at their exact edges, and the value semantics of the record. */
class TokenSettingsTest {

    private static final TokenSettings D = TokenSettings.DEFAULTS;

    private static TokenSettings settings(
            double ratio, double jitter, Duration margin, Duration timeout, Duration backoff, Duration maxBackoff) {
        return new TokenSettings(ratio, jitter, margin, timeout, backoff, maxBackoff);
    }

    private static List<String> warningsOf(TokenSettings s) {
        List<String> warnings = new ArrayList<>();
        s.checked(warnings);
        return warnings;
    }

    @Test
    void aRefreshRatioOfExactlyZeroOrOneIsReplacedByTheDefault() {
        for (double ratio : new double[] {0.0, 1.0}) {
            List<String> warnings = new ArrayList<>();
            TokenSettings checked = settings(
                            ratio, 0.1, D.expiryMargin(), D.fetchTimeout(), D.retryBackoff(), D.retryMaxBackoff())
                    .checked(warnings);
            assertThat(checked.refreshRatio()).isEqualTo(TokenSettings.DEFAULT_REFRESH_RATIO);
            assertThat(warnings)
                    .singleElement()
                    .asString()
                    .startsWith("tokenRefreshRatio")
                    .contains("was " + ratio);
        }
    }

    @Test
    void aJitterOfExactlyZeroOrOneHalfIsAccepted() {
        for (double jitter : new double[] {0.0, 0.5}) {
            List<String> warnings = new ArrayList<>();
            TokenSettings checked = settings(
                            0.5, jitter, D.expiryMargin(), D.fetchTimeout(), D.retryBackoff(), D.retryMaxBackoff())
                    .checked(warnings);
            assertThat(warnings).isEmpty();
            assertThat(checked.refreshJitter()).isEqualTo(jitter);
        }
    }

    @Test
    void everyDurationOfExactlyOneHourIsAccepted() {
        Duration hour = TokenSettings.MAX_DURATION;
        TokenSettings s = settings(0.5, 0.1, hour, hour, hour, hour);
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = s.checked(warnings);
        assertThat(warnings).isEmpty();
        assertThat(checked).isEqualTo(s);
    }

    @Test
    void durationsJustOverOneHourAreReplacedByTheirDefaults() {
        Duration over = TokenSettings.MAX_DURATION.plusMillis(1);
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = settings(0.5, 0.1, over, over, over, over).checked(warnings);
        assertThat(checked).isEqualTo(D);
        assertThat(warnings).hasSize(4);
        assertThat(warnings.get(0)).startsWith("tokenExpiryMargin").contains("was 3600001ms; using 30000ms");
        assertThat(warnings.get(1)).startsWith("tokenFetchTimeout").contains("was 3600001ms; using 20000ms");
        assertThat(warnings.get(2)).startsWith("tokenRetryBackoff").contains("was 3600001ms; using 1000ms");
        assertThat(warnings.get(3)).startsWith("tokenRetryMaxBackoff").contains("was 3600001ms; using 30000ms");
    }

    @Test
    void theMinimumFetchTimeoutIsAcceptedAndAShorterOneIsNot() {
        assertThat(warningsOf(D.withFetchTimeout(TokenSettings.MIN_FETCH_TIMEOUT)))
                .isEmpty();
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = D.withFetchTimeout(Duration.ofMillis(249)).checked(warnings);
        assertThat(checked.fetchTimeout()).isEqualTo(TokenSettings.DEFAULT_FETCH_TIMEOUT);
        assertThat(warnings).singleElement().asString().contains("between 250ms and 3600000ms, was 249ms");
    }

    @Test
    void aZeroOrNegativeBackoffOrNegativeMarginIsReplaced() {
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = settings(
                        0.5, 0.1, Duration.ofMillis(-1), D.fetchTimeout(), Duration.ZERO, D.retryMaxBackoff())
                .checked(warnings);
        assertThat(checked).isEqualTo(D);
        assertThat(warnings).hasSize(2);
        assertThat(warningsOf(settings(
                        0.5, 0.1, Duration.ZERO, D.fetchTimeout(), Duration.ofMillis(-5), D.retryMaxBackoff())))
                .singleElement()
                .asString()
                .startsWith("tokenRetryBackoff");
    }

    @Test
    void aMaxBackoffEqualToTheBackoffIsAccepted() {
        Duration tenSeconds = Duration.ofSeconds(10);
        TokenSettings s = settings(0.5, 0.1, D.expiryMargin(), D.fetchTimeout(), tenSeconds, tenSeconds);
        List<String> warnings = new ArrayList<>();
        assertThat(s.checked(warnings)).isEqualTo(s);
        assertThat(warnings).isEmpty();
    }

    @Test
    void aMaxBackoffBelowALongBackoffBecomesThatBackoff() {
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = settings(
                        0.5, 0.1, D.expiryMargin(), D.fetchTimeout(), Duration.ofMinutes(1), Duration.ofSeconds(10))
                .checked(warnings);
        assertThat(checked.retryMaxBackoff()).isEqualTo(Duration.ofMinutes(1));
        assertThat(warnings)
                .singleElement()
                .asString()
                .isEqualTo("tokenRetryMaxBackoff (10000ms) is less than tokenRetryBackoff (60000ms); using 60000ms");
    }

    @Test
    void aMaxBackoffBelowAShortBackoffBecomesTheDefaultMax() {
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = settings(
                        0.5, 0.1, D.expiryMargin(), D.fetchTimeout(), Duration.ofSeconds(2), Duration.ofSeconds(1))
                .checked(warnings);
        assertThat(checked.retryMaxBackoff()).isEqualTo(TokenSettings.DEFAULT_RETRY_MAX_BACKOFF);
        assertThat(warnings).singleElement().asString().endsWith("using 30000ms");
    }

    @Test
    void checkedOrThrowReturnsValidSettingsAndRefusesInvalidOnesWithEveryWarning() {
        TokenSettings valid = D.withFetchTimeout(Duration.ofSeconds(3));
        assertThat(TokenSettings.checkedOrThrow(valid)).isEqualTo(valid);
        assertThatThrownBy(() -> TokenSettings.checkedOrThrow(
                        settings(2.0, 0.9, D.expiryMargin(), D.fetchTimeout(), D.retryBackoff(), D.retryMaxBackoff())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenRefreshRatio")
                .hasMessageContaining("; tokenRefreshJitter");
    }

    @Test
    void settingsThatDifferInOneValueHashDifferently() {
        TokenSettings other = D.withFetchTimeout(Duration.ofSeconds(3));
        assertThat(D.withFetchTimeout(D.fetchTimeout()).hashCode()).isEqualTo(D.hashCode());
        assertThat(other.hashCode()).isNotEqualTo(D.hashCode());
        assertThat(other).isNotEqualTo(D);
    }
}
