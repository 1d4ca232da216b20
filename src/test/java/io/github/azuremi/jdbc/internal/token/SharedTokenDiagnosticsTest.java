package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.SCOPE;
import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static io.github.azuremi.jdbc.internal.token.TokenRig.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * What callers and listeners are told about a shared token: the reason no token is available, the
 * failure messages, the listener events (latency, refresh, backoff), and odd answers of a credential.
 */
class SharedTokenDiagnosticsTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final FakeCredential credential = rig.credential();
    private final List<TokenInfo> fetched = new CopyOnWriteArrayList<>();
    private final List<TokenFetchFailure> failed = new CopyOnWriteArrayList<>();
    private final TokenListener listener = new TokenListener() {
        @Override
        public void onTokenFetched(TokenInfo info) {
            fetched.add(info);
        }

        @Override
        public void onTokenFetchFailed(TokenFetchFailure failure) {
            failed.add(failure);
        }
    };

    /** A lease of {@code source} whose listener records into {@link #fetched} and {@link #failed}. */
    private TokenLease lease(TokenCredential source, TokenSettings settings) {
        return rig.lease(rig.key(source), settings, listener);
    }

    private TokenLease lease(TokenCredential source) {
        return lease(source, TokenSettings.DEFAULTS);
    }

    private static TokenCredential answering(Supplier<AccessToken> answer) {
        return new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.fromSupplier(answer);
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                return answer.get();
            }
        };
    }

    private OffsetDateTime in(Duration d) {
        return OffsetDateTime.ofInstant(time.instant().plus(d), ZoneOffset.UTC);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    private String prefix() {
        return "no access token from custom TokenCredential (" + FakeCredential.class.getName() + ") for scope " + SCOPE
                + " yet: ";
    }

    // unavailableReason ------------------------------------------------------------------------------------

    @Test
    void theReasonNamesTheLastFailureAndCountsDownToTheNextAttempt() {
        TokenLease lease = lease(credential);
        assertThat(lease.unavailableReason()).isEqualTo(prefix() + "no token request is running");
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);

        String failure = "; the last 1 request(s) failed, the last with IllegalStateException: endpoint down";
        assertThat(lease.unavailableReason())
                .isEqualTo(prefix() + "no token request is running" + failure + ", next attempt in 500 ms");
        time.advance(Duration.ofMillis(200));
        assertThat(lease.unavailableReason()).endsWith(failure + ", next attempt in 300 ms");
        time.advance(Duration.ofMillis(300));
        assertThat(lease.unavailableReason()).isEqualTo(prefix() + "no token request is running" + failure);

        credential.succeed();
        lease.acquire(WAIT);
        assertThat(lease.unavailableReason()).isNull();
    }

    @Test
    void theReasonTellsHowLongTheRequestInFlightHasBeenRunning() throws Exception {
        rig.fetchOnThreads();
        TokenLease lease = lease(credential);
        credential.block();
        CompletableFuture<CachedToken> first = CompletableFuture.supplyAsync(() -> lease.acquire(WAIT), rig.threads());
        awaitTrue(() -> credential.requests() == 1);
        time.advance(Duration.ofSeconds(3));
        assertThat(lease.unavailableReason()).isEqualTo(prefix() + "a token request has been running for 3000 ms");
        credential.release();
        assertThat(first.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-1");
    }

    @Test
    void whileRestingACallerIsToldWhenTheNextAttemptIsDue() {
        TokenLease lease = lease(credential);
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
        time.advance(Duration.ofMillis(100));

        assertThatThrownBy(() -> lease.acquire(WAIT))
                .isExactlyInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(
                        "the last 1 request(s) failed, the last with IllegalStateException: endpoint down; "
                                + "next attempt in 400 ms")
                .hasRootCauseMessage("endpoint down");
        assertThat(credential.requests()).isEqualTo(1);
    }

    // listener events --------------------------------------------------------------------------------------

    @Test
    void listenersHearTheLatencyOfEachRequestAndWhetherItWasARefresh() {
        AtomicInteger n = new AtomicInteger();
        TokenLease lease = lease(answering(() -> {
            time.advance(Duration.ofSeconds(2)); // the endpoint takes two seconds
            return new AccessToken("t-" + n.incrementAndGet(), in(Duration.ofHours(24)));
        }));
        lease.acquire(WAIT);
        assertThat(fetched).singleElement().satisfies(info -> {
            assertThat(info.latency()).isEqualTo(Duration.ofSeconds(2));
            assertThat(info.refresh()).isFalse();
            assertThat(info.scope()).isEqualTo(SCOPE);
        });

        time.advance(Duration.ofHours(12));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(fetched).hasSize(2);
        assertThat(fetched.get(1).latency()).isEqualTo(Duration.ofSeconds(2));
        assertThat(fetched.get(1).refresh())
                .as("it replaced a token that was still valid")
                .isTrue();
    }

    @Test
    void listenersHearOfFailuresWithCountBackoffAndWhetherAValidTokenIsCached() {
        TokenLease lease = lease(credential);
        credential.failWith(new IllegalStateException("endpoint down"));
        assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(failed).singleElement().satisfies(f -> {
            assertThat(f.consecutiveFailures()).isEqualTo(1);
            assertThat(f.nextAttemptIn()).isEqualTo(Duration.ofMillis(500));
            assertThat(f.validTokenCached()).isFalse();
            assertThat(f.cause()).hasMessage("endpoint down");
        });

        credential.succeed();
        time.advance(Duration.ofMillis(500));
        lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down again"));
        time.advance(Duration.ofHours(12));
        timer.runDue();
        assertThat(failed).hasSize(2);
        assertThat(failed.get(1).validTokenCached())
                .as("the refresh failed, the cached token serves")
                .isTrue();
        assertThat(failed.get(1).consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void aReadExactlyAtTheRefreshPointStartsARefresh() {
        TokenLease lease = lease(credential);
        CachedToken first = lease.acquire(WAIT);
        time.advance(Duration.ofHours(12)); // no jitter: the refresh point of a 24 h token
        assertThat(first.refreshAt()).isEqualTo(time.instant());

        lease.acquire(WAIT);
        assertThat(credential.requests()).isEqualTo(2);
    }

    @Test
    void aTokenLeftOverFromBeforeTheHostWasSuspendedIsDroppedAndItsSuccessorIsNoRefresh() {
        AtomicInteger n = new AtomicInteger();
        TokenLease lease = lease(answering(() -> new AccessToken("t-" + n.incrementAndGet(), in(Duration.ofHours(1)))));
        lease.acquire(WAIT);
        time.stepWallClock(Duration.ofHours(2)); // the host slept two hours: the ticker stood still

        CachedToken served = lease.acquire(WAIT);
        assertThat(served.accessToken()).isEqualTo("t-2");
        assertThat(fetched).hasSize(2);
        assertThat(fetched.get(1).refresh())
                .as("the expired token it follows was no longer valid")
                .isFalse();
        assertThat(rig.registry().store().asMap().values())
                .extracting(CachedToken::accessToken)
                .containsExactly("t-2");
    }

    // odd answers ------------------------------------------------------------------------------------------

    @Test
    void anEmptyTokenOrOneWithoutExpiryIsAFailedRequest() {
        TokenLease empty = lease(answering(() -> new AccessToken("", in(Duration.ofHours(1)))));
        assertThatThrownBy(() -> empty.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(": IllegalStateException: the credential returned no access token");
        TokenLease nothing = lease(answering(() -> null));
        assertThatThrownBy(() -> nothing.acquire(WAIT)).hasMessageContaining("the credential returned no access token");
        TokenLease noExpiry = lease(answering(() -> new AccessToken("t", null)));
        assertThatThrownBy(() -> noExpiry.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(": IllegalStateException: the credential returned a token without an expiry");
    }

    /** A token already expired on arrival (expiry not after now, by this host's wall clock) points at a wrong clock. */
    @Test
    void aTokenThatExpiresTheMomentItArrivesIsAFailedRequestThatBlamesTheClock() {
        TokenLease lease = lease(answering(() -> new AccessToken("t", in(Duration.ZERO))));
        assertThatThrownBy(() -> lease.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(
                        ": IllegalStateException: the credential returned a token that had already expired (at "
                                + time.instant() + "); check the clock of this host");
    }

    @Test
    void aTokenUnavailableExceptionOfTheCredentialReachesTheCallerWithItsOwnMessage() {
        TokenLease lease = lease(answering(() -> {
            throw new TokenUnavailableException("the credential's own reason", null);
        }));
        assertThatThrownBy(() -> lease.acquire(WAIT))
                .isExactlyInstanceOf(TokenUnavailableException.class)
                .hasMessage("the credential's own reason");
    }

    @Test
    void wrappersOfTheCredentialsFailureAreUnwrapped() {
        TokenLease completion = lease(answering(() -> {
            throw new CompletionException(new IOException("endpoint down"));
        }));
        assertThatThrownBy(() -> completion.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(": IOException: endpoint down")
                .cause()
                .isInstanceOf(IOException.class);

        TokenLease execution = lease(answering(() -> {
            throw sneaky(new ExecutionException(new IOException("endpoint gone")));
        }));
        assertThatThrownBy(() -> execution.acquire(WAIT))
                .hasMessageEndingWith(": IOException: endpoint gone")
                .cause()
                .isInstanceOf(IOException.class);

        TokenLease bare = lease(answering(() -> {
            throw new CompletionException("nothing inside", null);
        }));
        assertThatThrownBy(() -> bare.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(": CompletionException: nothing inside")
                .cause()
                .isInstanceOf(CompletionException.class);
    }

    @Test
    void anExecutorThatRefusesTheRequestFailsTheCallerAtOnce() {
        rig.fetchExecutor(task -> {
            throw new RejectedExecutionException("no threads left");
        });
        TokenLease lease = lease(credential, TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(250)));
        assertThatThrownBy(() -> lease.acquire(Duration.ofMillis(300)))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageEndingWith(": RejectedExecutionException: no threads left");
        assertThat(failed)
                .singleElement()
                .extracting(TokenFetchFailure::consecutiveFailures)
                .isEqualTo(1);
    }

    // waiting ----------------------------------------------------------------------------------------------

    // refusals ---------------------------------------------------------------------------------------------

    @Test
    void aReplacementRefusedWithinFiveSecondsIsNotReplacedAgainButLaterItIs() {
        TokenLease lease = lease(credential);
        CachedToken first = lease.acquire(WAIT);
        CachedToken second = lease.replaceRejected(first, WAIT);
        assertThat(second.accessToken()).isEqualTo("token-2");
        time.advance(Duration.ofMillis(4999));
        assertThat(lease.replaceRejected(second, WAIT)).isNull();
        time.advance(Duration.ofMillis(1));
        assertThat(lease.replaceRejected(second, WAIT).accessToken()).isEqualTo("token-3");
    }

    @Test
    void theLastEightRefusedValuesAreRemembered() {
        List<String> values = List.of("v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v1", "v10");
        AtomicInteger n = new AtomicInteger();
        TokenLease lease =
                lease(answering(() -> new AccessToken(values.get(n.getAndIncrement()), in(Duration.ofHours(24)))));
        CachedToken current = lease.acquire(WAIT);
        for (int i = 2; i <= 9; i++) {
            time.advance(Duration.ofSeconds(6));
            current = lease.replaceRejected(current, WAIT);
            assertThat(current.accessToken()).isEqualTo(values.get(i - 1));
        }
        // v1 came back, and v1 is one of the last eight values refused: a retry would not help
        time.advance(Duration.ofSeconds(6));
        assertThat(lease.replaceRejected(current, WAIT)).isNull();
        assertThat(n.get()).isEqualTo(9);
    }
}
