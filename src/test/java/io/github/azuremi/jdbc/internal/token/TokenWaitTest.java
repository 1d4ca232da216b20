package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.SCOPE;
import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static io.github.azuremi.jdbc.internal.token.TokenRig.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long a caller waits for a token, and what it is told when the wait ends: a pool's first token is waited
 * for as long as a request may take (the fetch timeout), later ones only as long as the caller allows; an
 * interrupt or an absurd timeout is handled. Requests run on real threads, the clock and timer are the rig's.
 */
class TokenWaitTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig().fetchOnThreads();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final FakeCredential credential = rig.credential();

    @Test
    void theFirstTokenIsWaitedForAsLongAsTheFetchTimeoutNotOnlyTheCallersTimeout() throws Exception {
        TokenLease lease = rig.lease();
        CountDownLatch gate = credential.block();

        // the caller allows 50 ms, but a pool's first token may take as long as a request may take (20 s)
        Future<CachedToken> first = rig.threads().submit(() -> lease.acquire(Duration.ofMillis(50)));
        awaitTrue(() -> credential.requests() == 1);
        Thread.sleep(200); // longer than the caller's own timeout
        assertThat(first).as("still waiting for the first token").isNotDone();
        gate.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-1");
    }

    @Test
    void theFirstTokenWaitEndsWithTheFetchTimeoutOnTheLibrarysTimer() throws Exception {
        TokenLease lease = rig.lease();
        credential.block();

        Future<CachedToken> first = rig.threads().submit(() -> lease.acquire(Duration.ofMillis(50)));
        awaitTrue(() -> credential.requests() == 1);
        time.advance(TokenSettings.DEFAULTS.fetchTimeout());
        assertThat(timer.runDue())
                .as("the fetch timeout is a task of the library's timer")
                .isEqualTo(1);
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("did not answer within the token fetch timeout (20000 ms)");
    }

    @Test
    void aFirstTokenWaitThatEndsWithTheFetchTimeoutNamesThePreviousFailure() throws Exception {
        TokenLease lease = rig.lease(TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(250)));
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
        time.advance(Duration.ofMillis(500));
        credential.succeed();
        credential.block();

        assertThatThrownBy(() -> lease.acquire(Duration.ofMillis(10)))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(
                        " within 250 ms: the identity endpoint has not answered yet; the previous request "
                                + "failed with IllegalStateException: endpoint down")
                .hasRootCauseMessage("endpoint down");
    }

    @Test
    void aFirstTokenWaitThatEndsWithTheFetchTimeoutSaysOnlyThatTheEndpointHasNotAnswered() {
        TokenLease lease = rig.lease(TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(250)));
        credential.block();
        assertThatThrownBy(() -> lease.acquire(Duration.ofMillis(10)))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(" within 250 ms: the identity endpoint has not answered yet")
                .hasNoCause();
    }

    /**
     * Regression (review of token core v2, finding 3): the first-token wait was granted per identity, not per
     * pool, so a pool that started while its identity had no token (a refused one being replaced) waited only
     * its own short timeout.
     */
    @Test
    void aSecondPoolsFirstTokenIsWaitedForAsLongAsTheFetchTimeout() throws Exception {
        TokenLease first = rig.lease();
        CachedToken refused = first.acquire(WAIT);
        CountDownLatch gate = credential.block();
        CompletableFuture<CachedToken> retry =
                CompletableFuture.supplyAsync(() -> first.replaceRejected(refused, WAIT), rig.threads());
        awaitTrue(() -> credential.requests() == 2 && first.current() == null);

        TokenLease second = rig.lease(); // a new pool starts now
        Future<CachedToken> secondFirst = rig.threads().submit(() -> second.acquire(Duration.ofMillis(50)));
        Thread.sleep(300);
        gate.countDown();

        assertThat(retry.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
        assertThat(secondFirst.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
    }

    @Test
    void afterTheFirstTokenAHangingEndpointFailsTheCallerWithinItsTimeout() {
        credential.lifetime(Duration.ofMinutes(10));
        TokenLease lease = rig.lease();
        lease.acquire(WAIT);
        time.advance(Duration.ofMinutes(10)); // the token expired; the timer did not run
        credential.block();

        long started = System.nanoTime();
        assertThatThrownBy(() -> lease.acquire(Duration.ofMillis(300)))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("within 300 ms")
                .hasMessageContaining(SCOPE);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000);
    }

    @Test
    void aCallerInterruptedWhileWaitingFailsAndKeepsItsInterruptFlag() {
        TokenLease lease = rig.lease();
        credential.block();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> lease.acquire(WAIT))
                    .isInstanceOf(TokenUnavailableException.class)
                    .hasMessageStartingWith("Interrupted while waiting for an access token from custom TokenCredential")
                    .cause()
                    .isInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aTimeoutTooLongForNanosecondsWaitsForTheAnswer() throws Exception {
        TokenLease lease = rig.lease();
        credential.block();
        CompletableFuture<CachedToken> waiting =
                CompletableFuture.supplyAsync(() -> lease.acquire(Duration.ofDays(365L * 1000)), rig.threads());
        awaitTrue(() -> credential.requests() == 1);
        assertThatThrownBy(() -> waiting.get(100, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        credential.release();
        assertThat(waiting.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-1");
    }
}
