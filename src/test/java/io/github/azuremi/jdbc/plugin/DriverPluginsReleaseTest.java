package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The public way to stop the plugins' tokens: for an application's loader, or all of them. */
class DriverPluginsReleaseTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @BeforeEach
    void identity() {
        PluginTokens.shared().releaseAll();
        endpoint.reset();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", UUID.randomUUID().toString());
    }

    @AfterEach
    void clear() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        endpoint.reset();
    }

    /** A login through a plugin, on a thread of {@code application}. */
    private static void loginOf(ClassLoader application) {
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        thread.setContextClassLoader(application);
        try {
            new SqlServerAccessTokenCallback(true).getAccessToken("https://database.windows.net/", "https://sts");
        } finally {
            thread.setContextClassLoader(original);
        }
    }

    @Test
    void releaseStopsTheTokensOfTheApplicationThatStops() throws Exception {
        try (URLClassLoader application =
                new URLClassLoader(new URL[0], getClass().getClassLoader())) {
            loginOf(application);
            assertThat(PluginTokens.shared().leaseCount()).isEqualTo(1);

            DriverPlugins.release(application);
            assertThat(PluginTokens.shared().leaseCount()).isZero();
        }
    }

    @Test
    void releaseAllStopsEveryToken_whoeverLoggedIn() {
        loginOf(null); // a container's thread: nobody's, so only releaseAll (or the idle time) stops it
        DriverPlugins.release(null);
        assertThat(PluginTokens.shared().leaseCount()).isEqualTo(1);

        DriverPlugins.releaseAll();
        assertThat(PluginTokens.shared().leaseCount()).isZero();
    }
}
