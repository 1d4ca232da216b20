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
}
