package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugins choose a login's scope once per database, settings and host: logins of the same settings to servers of
 * two clouds get the tokens of each server's cloud, not the first one's.
 */
class PluginLoginScopeOfEachHostTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @BeforeEach
    void start() {
        endpoint.reset();
    }

    @AfterEach
    void release() {
        PluginTokens.shared().releaseAll();
        endpoint.reset();
    }

    @Test
    void eachHostGetsTheTokenOfItsOwnCloud() {
        Properties p = new Properties();
        p.setProperty("credential", "managed-identity");
        p.setProperty("managedIdentityClientId", UUID.randomUUID().toString());
        PluginSettings settings = PluginSettings.read(p, "test");
        Duration wait = Duration.ofSeconds(10);

        PluginLogin.token(Dialect.POSTGRESQL, settings, "a.postgres.database.azure.com", wait, "test");
        PluginLogin.token(Dialect.POSTGRESQL, settings, "b.postgres.database.usgovcloudapi.net", wait, "test");

        assertThat(endpoint.issuedTokens())
                .extracting(LocalManagedIdentityEndpoint.IssuedToken::resource)
                .containsExactlyInAnyOrder(
                        "https://ossrdbms-aad.database.windows.net", "https://ossrdbms-aad.database.usgovcloudapi.net");
    }
}
