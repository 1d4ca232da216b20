package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TimeSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Review of issue 16 row 3: the public {@code DriverPlugins.release(ClassLoader)} is meant for other containers'
 * shutdown hooks, which typically pass {@code Thread.currentThread().getContextClassLoader()}: null on a thread
 * without one. With a lease held, PluginLeaseUsers.stopUsing(null) calls ConcurrentHashMap's remove(null), a
 * NullPointerException out of a shutdown hook, and nothing is released.
 */
class ReleaseOfANullClassLoaderTest {

    @Test
    void releasingANullLoaderDoesNotThrowNullPointerException() {
        CredentialSource source = CredentialSource.of(request ->
                Mono.just(new AccessToken("token", OffsetDateTime.now().plusHours(24))));
        RefreshTimer timer = (task, delayNanos) -> new CompletableFuture<>();
        TokenRegistry registry = new TokenRegistry(
                TimeSource.system(),
                (task, delay) -> CompletableFuture.completedFuture(null),
                Runnable::run,
                () -> 0.0);
        PluginTokens tokens = new PluginTokens(registry, timer, System::nanoTime, Duration.ofHours(1), s -> source);
        tokens.acquire(
                PluginSettings.read(new Properties(), "test"), PluginTokensTest.SCOPE, Duration.ofSeconds(5), "test");
        try {
            assertThat(catchThrowable(() -> tokens.release(null))).isNull();
        } finally {
            tokens.releaseAll();
        }
    }
}
