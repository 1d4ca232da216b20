package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every login of a pool brings the same properties, so the plugins remember what they read: the memo must never
 * let a password through that the first read would have refused.
 */
class PluginSettingsMemoTest {

    private static Properties properties(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void aPasswordIsRefusedAfterTheSameSettingsWithAnEmptyOneWereRead() {
        assertThat(PluginSettings.read(properties("password", ""), "test")).isNotNull();
        assertThatThrownBy(() -> PluginSettings.read(properties("password", "secret"), "test"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("password is set");
    }

    @Test
    void theSameSettingsReadTwiceAreTheSame() {
        String id = UUID.randomUUID().toString();
        PluginSettings first = PluginSettings.read(properties("managedIdentityClientId", id), "test");
        assertThat(PluginSettings.read(properties("managedIdentityClientId", id), "test"))
                .isSameAs(first);
        assertThat(first.clientId()).isEqualTo(id);
        assertThat(first.toString()).startsWith("PluginSettings[");
    }

    /**
     * The memo holds the settings of up to 256 configurations and then starts over (a bound, not an eviction policy):
     * reading 300 new configurations in turn forgets the previous one once or twice, never at every read and never
     * not at all.
     */
    @Test
    void theMemoHoldsUpTo256ConfigurationsAndThenStartsOver() {
        PluginSettings previous = null;
        Properties previousProperties = null;
        int forgotten = 0;
        for (int i = 0; i < 300; i++) {
            Properties p =
                    properties("managedIdentityClientId", UUID.randomUUID().toString());
            PluginSettings read = PluginSettings.read(p, "test");
            if (previous != null && PluginSettings.read(previousProperties, "test") != previous) {
                forgotten++;
            }
            previous = read;
            previousProperties = p;
        }
        assertThat(forgotten).isBetween(1, 2);
    }
}
