package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The process-wide daemon threads and the system clocks. */
class DaemonExecutorsTest {

    private record ThreadFacts(String name, boolean daemon, ClassLoader contextLoader) {
        static ThreadFacts ofCurrent() {
            Thread t = Thread.currentThread();
            return new ThreadFacts(t.getName(), t.isDaemon(), t.getContextClassLoader());
        }
    }

    @Test
    void fetchesRunOnDaemonThreadsWithTheLibrarysClassLoaderAndStopWhenIdle() throws Exception {
        FetchExecutor.DaemonFetchExecutor executor = (FetchExecutor.DaemonFetchExecutor) FetchExecutor.daemon();
        assertThat(FetchExecutor.daemon()).isSameAs(executor);
        executor.idle(() -> true); // start from no threads, so that this test sees a thread made for it
        CompletableFuture<ThreadFacts> facts = new CompletableFuture<>();
        Thread caller = Thread.currentThread();
        ClassLoader before = caller.getContextClassLoader();
        // a caller with another context class loader (a web application's): the thread must not inherit it
        caller.setContextClassLoader(new URLClassLoader(new URL[0], null));
        try {
            executor.execute(() -> facts.complete(ThreadFacts.ofCurrent()));
        } finally {
            caller.setContextClassLoader(before);
        }
        ThreadFacts f = facts.get(5, TimeUnit.SECONDS);
        assertThat(f.name()).startsWith("managed-identity-token-fetch-");
        assertThat(f.daemon()).isTrue();
        assertThat(f.contextLoader()).isSameAs(FetchExecutor.DaemonFetchExecutor.class.getClassLoader());
        assertThat(executor.isRunning()).isTrue();

        executor.idle(() -> false);
        assertThat(executor.isRunning())
                .as("a pool started meanwhile keeps the threads")
                .isTrue();
        executor.idle(() -> true);
        assertThat(executor.isRunning()).isFalse();
        executor.idle(() -> true); // idle again: nothing to stop
        assertThat(executor.isRunning()).isFalse();
    }

    @Test
    void theTimerRunsTasksOnADaemonThreadAndCanBeIdledTwice() throws Exception {
        RefreshTimer timer = RefreshTimer.daemon();
        CompletableFuture<ThreadFacts> facts = new CompletableFuture<>();
        Future<?> handle = timer.schedule(() -> facts.complete(ThreadFacts.ofCurrent()), 0);
        assertThat(handle).isNotNull();
        ThreadFacts f = facts.get(5, TimeUnit.SECONDS);
        handle.get(5, TimeUnit.SECONDS);
        assertThat(f.name()).startsWith("managed-identity-token-refresh-");
        assertThat(f.daemon()).isTrue();
        timer.idle();
        timer.idle();
        CompletableFuture<Boolean> again = new CompletableFuture<>();
        timer.schedule(() -> again.complete(true), 0);
        assertThat(again.get(5, TimeUnit.SECONDS)).isTrue();
        timer.idle();
    }

    @Test
    void theSystemTimeSourceReadsTheSystemClocks() {
        TimeSource time = TimeSource.system();
        long nanoBefore = System.nanoTime();
        long millisBefore = System.currentTimeMillis();
        long read = time.read();
        Instant instant = time.instant();
        long wall = time.wallMillis();
        long nanoAfter = System.nanoTime();
        long millisAfter = System.currentTimeMillis();
        assertThat(read - nanoBefore).isGreaterThanOrEqualTo(0);
        assertThat(nanoAfter - read).isGreaterThanOrEqualTo(0);
        assertThat(instant.toEpochMilli()).isBetween(millisBefore, millisAfter);
        assertThat(wall).isBetween(millisBefore, millisAfter);
    }

    @Test
    void theSharedRegistryIsOneAndSamplesItsJitterAtRandom() {
        TokenRegistry shared = TokenRegistry.shared();
        assertThat(TokenRegistry.shared()).isSameAs(shared);
        boolean nonZero = false;
        for (int i = 0; i < 100 && !nonZero; i++) {
            double r = shared.random();
            assertThat(r).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
            nonZero = r != 0.0;
        }
        assertThat(nonZero).isTrue();
        assertThat(shared.time()).isSameAs(TimeSource.system());
    }

    @Test
    void thePolicyOfTheSettingsCarriesTheirValues() {
        RefreshPolicy policy = RefreshPolicy.defaults();
        assertThat(policy.ratio()).isEqualTo(0.5);
        assertThat(policy.jitter()).isEqualTo(0.1);
        assertThat(policy.expiryMargin()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy).hasToString("RefreshPolicy{ratio=0.5, jitter=0.1, expiryMargin=PT30S}");
    }
}
