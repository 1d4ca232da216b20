package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TimeSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Review of issue 16 row 3: a lease's users are the context class loaders of the threads that logged in. A pool's
 * own maintenance thread logs in too: commons-pool2's evictor (Tomcat's DBCP, with minIdle and eviction runs: it
 * refills minIdle with new connections on that thread) sets its context class loader to its OWN loader, Tomcat's
 * common loader, which with the library in $CATALINA_BASE/lib is also the library's. That loader is no application
 * and never stops, so once the evictor has logged in, the web application's stop no longer releases the lease: the
 * leak of row 3 (refresh timer, azure-identity's HTTP client pinning the application's loader) comes back.
 */
class PoolMaintenanceThreadKeepsTheLeaseTest {

    private final RefreshTimer timer = (task, delayNanos) -> new CompletableFuture<>();
    private final TokenRegistry registry = new TokenRegistry(
            TimeSource.system(), (task, delay) -> CompletableFuture.completedFuture(null), Runnable::run, () -> 0.0);

    @Test
    void aLoginOnThePoolsEvictorThreadDoesNotKeepTheApplicationsLeaseAfterItStops() throws Exception {
        CredentialSource source = CredentialSource.of(request ->
                Mono.just(new AccessToken("token", OffsetDateTime.now().plusHours(24))));
        PluginTokens tokens = new PluginTokens(registry, timer, System::nanoTime, Duration.ofHours(1), s -> source);
        PluginSettings settings = PluginSettings.read(new Properties(), "test");
        ClassLoader container = PluginTokens.class.getClassLoader(); // the library's loader: Tomcat's common loader
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try (URLClassLoader application = new URLClassLoader(new URL[0], container)) {
            thread.setContextClassLoader(application); // a request thread of the web application
            tokens.acquire(settings, PluginTokensTest.SCOPE, Duration.ofSeconds(5), "test");
            Thread evictor = new Thread(
                    () -> // commons-pool-evictor refilling minIdle
                    tokens.acquire(settings, PluginTokensTest.SCOPE, Duration.ofSeconds(5), "test"),
                    "commons-pool-evictor");
            evictor.setContextClassLoader(container);
            evictor.start();
            evictor.join();
            assertThat(tokens.leaseCount()).isEqualTo(1);

            tokens.release(application); // the application stops
            assertThat(tokens.leaseCount())
                    .as("the application's lease is released at its stop")
                    .isZero();
        } finally {
            thread.setContextClassLoader(original);
            tokens.releaseAll();
        }
    }
}
