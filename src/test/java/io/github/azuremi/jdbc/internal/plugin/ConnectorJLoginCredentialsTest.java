package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysql.cj.exceptions.CJException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What Connector/J hands every plugin: the user is kept, a password only refuses the login. */
class ConnectorJLoginCredentialsTest {

    @Test
    void theUserIsKeptForThePlugin() {
        assertThat(new ConnectorJLogin("Plugin").setCredentials("app", null)).isEqualTo("app");
        assertThat(new ConnectorJLogin("Plugin").setCredentials("app", "")).isEqualTo("app");
    }

    @Test
    void aPasswordRefusesTheStepBeforeAnythingIsSent() {
        ConnectorJLogin login = new ConnectorJLogin("Plugin");
        login.setCredentials("app", "secret");
        List<String> passwords = new ArrayList<>();
        assertThatThrownBy(() -> login.step((u, p) -> passwords.add(p), () -> true))
                .isInstanceOf(CJException.class)
                .hasMessageStartingWith("Plugin - password is set");
        assertThat(passwords).isEmpty();
    }
}
