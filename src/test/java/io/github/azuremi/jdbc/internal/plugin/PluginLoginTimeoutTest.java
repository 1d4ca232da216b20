package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** A driver's loginTimeout as the plugins read it: a positive whole number of seconds, else the fetch timeout. */
class PluginLoginTimeoutTest {

    private static final Duration FALLBACK = Duration.ofSeconds(30);

    private static Duration loginTimeout(String value) {
        Properties p = new Properties();
        if (value != null) {
            p.setProperty("loginTimeout", value);
        }
        return PluginLogin.seconds(p, "loginTimeout", FALLBACK);
    }

    @Test
    void aPositiveNumberOfSecondsIsTheTimeout_spacesAroundIt() {
        assertThat(loginTimeout("1")).isEqualTo(Duration.ofSeconds(1));
        assertThat(loginTimeout(" 12 ")).isEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void noneZeroNegativeOrNotANumber_isTheFallback() {
        assertThat(loginTimeout(null)).isEqualTo(FALLBACK);
        assertThat(loginTimeout("0")).isEqualTo(FALLBACK);
        assertThat(loginTimeout("-5")).isEqualTo(FALLBACK);
        assertThat(loginTimeout("ten")).isEqualTo(FALLBACK);
    }
}
