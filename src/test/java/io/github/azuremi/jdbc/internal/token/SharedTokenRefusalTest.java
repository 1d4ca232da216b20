package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static io.github.azuremi.jdbc.internal.token.TokenRig.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A refused token is forgotten for good, whichever way its refusal went (joining a request, starting one,
 * or while resting) and even when the replacement request fails: it is never handed out again, and the
 * token that finally follows it is not reported as a refresh of it.
 */
class SharedTokenRefusalTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final FakeCredential credential = rig.credential();
    private final List<TokenInfo> fetched = new CopyOnWriteArrayList<>();
    private final TokenListener listener = new TokenListener() {
        @Override
        public void onTokenFetched(TokenInfo info) {
            fetched.add(info);
        }
    };

    /** A lease whose listener records into {@link #fetched}. */
    private TokenLease lease() {
        return rig.lease(rig.key(), TokenSettings.DEFAULTS, listener);
    }

    @Test
    void aRefusedTokenWhoseReplacementFailedIsNotHandedOutAgain() {
        TokenLease lease = lease();
        CachedToken refused = lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.replaceRejected(refused, WAIT)).isInstanceOf(TokenUnavailableException.class);

        assertThatThrownBy(() -> lease.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("next attempt in 500 ms");

        time.advance(Duration.ofMillis(500));
        credential.succeed();
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
        assertThat(fetched.get(fetched.size() - 1).refresh())
                .as("it follows a refused token, not a valid one")
                .isFalse();
    }

    @Test
    void aTokenRefusedWhileRestingIsNotReportedAsRefreshedByItsSuccessor() {
        TokenLease lease = lease();
        CachedToken refused = lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down"));
        time.advance(Duration.ofHours(12));
        timer.runDue(); // the refresh fails: resting for 500 ms
        assertThatThrownBy(() -> lease.replaceRejected(refused, WAIT)).isInstanceOf(TokenUnavailableException.class);

        time.advance(Duration.ofMillis(500));
        credential.succeed();
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
        assertThat(fetched).hasSize(2);
        assertThat(fetched.get(1).refresh())
                .as("it follows a refused token, not a valid one")
                .isFalse();
    }

    @Test
    void aRefusalThatJoinedAFailedRefreshIsRememberedAndForgotten() throws Exception {
        rig.fetchOnThreads();
        TokenLease lease = lease();
        CachedToken refused = lease.acquire(WAIT);
        CountDownLatch gate = credential.block();
        time.advance(Duration.ofHours(12));
        timer.runDue();
        awaitTrue(() -> credential.requests() == 2);
        credential.failWith(new IllegalStateException("endpoint down"));
        CompletableFuture<CachedToken> retry =
                CompletableFuture.supplyAsync(() -> lease.replaceRejected(refused, WAIT), rig.threads());
        awaitTrue(() -> lease.current() == null);
        gate.countDown();
        assertThatThrownBy(() -> retry.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TokenUnavailableException.class);

        assertThat(lease.replaceRejected(refused, WAIT))
                .as("a replacement of that value was already requested")
                .isNull();

        time.advance(Duration.ofMillis(500));
        credential.succeed();
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
        assertThat(fetched.get(fetched.size() - 1).refresh())
                .as("it follows a refused token, not a valid one")
                .isFalse();
    }

    /**
     * Regression (review of token core v2, finding 4): "N refusals of one token cause at most one request" held
     * only for the last value refused, which was kept in a single slot.
     */
    @Test
    void aTokenRefusedAgainAfterAnotherTokenWasRefusedDoesNotCauseASecondRequest() {
        TokenLease lease = lease();
        CachedToken a = lease.acquire(WAIT); // request 1
        CachedToken b = lease.replaceRejected(a, WAIT); // request 2: A's one replacement
        time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.replaceRejected(b, WAIT)); // request 3: B's one replacement, fails
        time.advance(Duration.ofMinutes(1)); // past backoff and forced spacing
        int before = credential.requests();

        try {
            lease.replaceRejected(a, WAIT); // a late refusal of A (a login that started with A long ago)
        } catch (RuntimeException ignored) {
            // the outcome does not matter, the request count does
        }
        assertThat(credential.requests())
                .as("A already had its one replacement request")
                .isEqualTo(before);
    }

    /** Regression (review of token core v2): a token refused while resting after failures stayed on the hot path. */
    @Test
    void aTokenRefusedWhileRestingIsNotHandedOutAgain() {
        TokenLease lease = lease();
        CachedToken a = lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down"));
        time.advance(Duration.ofHours(12));
        timer.runDue(); // the refresh fails: backoff; A still valid and serving

        assertThatThrownBy(() -> lease.replaceRejected(a, WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(lease.current())
                .as("the refused token is still in the store")
                .isNull();
    }
}
