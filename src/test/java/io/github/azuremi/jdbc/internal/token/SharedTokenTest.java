package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.SCOPE;
import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static io.github.azuremi.jdbc.internal.token.TokenRig.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * One identity's shared token, on the rig's fake clock and hand-run timer with requests on real threads:
 * refusals join the request in flight, one refused token gets at most one request, the hot path follows the
 * store, answers for a closed token are dropped, and a pool with other settings is warned once.
 */
class SharedTokenTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig().fetchOnThreads();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final FakeCredential credential = rig.credential();
    private final ExecutorService threads = rig.threads();

    private TokenLease lease(TokenSettings settings, TokenListener listener) {
        return rig.lease(rig.key(), settings, listener);
    }

    /** The background refresh of a 24 h token, left hanging at the credential. */
    private CountDownLatch refreshInFlight(TokenLease lease) throws InterruptedException {
        lease.acquire(WAIT);
        CountDownLatch gate = credential.block();
        time.advance(Duration.ofHours(12));
        timer.runDue();
        awaitTrue(() -> credential.requests() == 2);
        return gate;
    }

    @Test
    void aTokenRefusedWhileItsRefreshIsInFlightJoinsThatRefreshInsteadOfStartingAnother() throws Exception {
        TokenLease lease = rig.lease();
        CachedToken current = lease.acquire(WAIT);
        CountDownLatch gate = refreshInFlight(lease);

        CompletableFuture<CachedToken> retry =
                CompletableFuture.supplyAsync(() -> lease.replaceRejected(current, WAIT), threads);
        awaitTrue(() -> lease.current() == null); // the refused token was dropped at once
        gate.countDown();

        assertThat(retry.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
        assertThat(credential.requests()).as("the refresh in flight was joined").isEqualTo(2);
    }

    @Test
    void whileARefusedTokensRefreshIsInFlightNewConnectionsWaitForItInsteadOfUsingTheRefusedToken() throws Exception {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        CountDownLatch gate = refreshInFlight(lease);
        CompletableFuture<CachedToken> retry =
                CompletableFuture.supplyAsync(() -> lease.replaceRejected(refused, WAIT), threads);
        awaitTrue(() -> lease.current() == null);

        CompletableFuture<CachedToken> newConnection =
                CompletableFuture.supplyAsync(() -> lease.acquire(WAIT), threads);
        Thread.sleep(50);
        assertThat(newConnection).as("waits for the refresh in flight").isNotDone();
        gate.countDown();

        assertThat(newConnection.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
        assertThat(retry.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
        assertThat(credential.requests()).isEqualTo(2);
    }

    @Test
    void anyNumberOfRefusalsOfOneTokenCauseAtMostOneRequest() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        credential.lifetime(Duration.ofHours(24));

        CachedToken fresh = lease.replaceRejected(refused, WAIT);
        for (int i = 0; i < 50; i++) {
            time.advance(Duration.ofSeconds(1)); // past the forced-refresh spacing, which must not matter here
            assertThat(lease.replaceRejected(refused, WAIT).accessToken()).isEqualTo(fresh.accessToken());
        }
        assertThat(credential.requests()).isEqualTo(2);
    }

    @Test
    void aRefusedTokenThatTheCredentialHandsBackAgainIsNotRequestedAgain() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        CachedToken same = lease.replaceRejected(refused, WAIT);
        assertThat(same.accessToken()).isNotEqualTo(refused.accessToken());

        // the second refusal of the replacement: one request, whose answer (as MSAL's cache would) is not new
        time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
        lease.replaceRejected(same, WAIT);
        int requests = credential.requests();
        for (int i = 0; i < 10; i++) {
            time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
            lease.replaceRejected(same, WAIT);
        }
        assertThat(credential.requests()).isEqualTo(requests);
    }

    @Test
    void theHotPathNeverServesARefusedTokenAfterItsReplacementArrived() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        CachedToken fresh = lease.replaceRejected(refused, WAIT);

        for (int i = 0; i < 100; i++) {
            assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(fresh.accessToken());
        }
        // a late refusal of the old token changes nothing
        assertThat(lease.replaceRejected(refused, WAIT).accessToken()).isEqualTo(fresh.accessToken());
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(fresh.accessToken());
    }

    @Test
    void theHotPathNeverServesATokenTheStoreHasDropped() {
        credential.lifetime(Duration.ofSeconds(100));
        TokenLease lease = rig.lease();
        CachedToken first = lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down"));

        // refresh at 50 s fails; the token stays in use until 90 s (margin: a tenth of 100 s), then is dropped
        time.advance(Duration.ofSeconds(50));
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(first.accessToken());
        time.advance(Duration.ofSeconds(40));
        assertThat(lease.current())
                .as("dropped by the store at the end of its usable time")
                .isNull();
        time.advance(Duration.ofSeconds(60)); // past any backoff
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lease.acquire(WAIT))
                .hasMessageContaining("endpoint down");
    }

    @Test
    void anAnswerThatArrivesAfterTheLastPoolClosedIsDroppedAndANewPoolFetchesItsOwn() throws Exception {
        TokenLease first = rig.lease();
        CountDownLatch gate = credential.block();
        CompletableFuture<CachedToken> waiting = CompletableFuture.supplyAsync(() -> first.acquire(WAIT), threads);
        awaitTrue(() -> credential.requests() == 1);

        first.close();
        gate.countDown();
        assertThat(waiting).failsWithin(5, TimeUnit.SECONDS);
        assertThat(rig.registry().keyCount()).isZero();
        assertThat(timer.liveTasks())
                .as("no refresh and no fetch timeout left on the timer")
                .isZero();

        TokenLease second = rig.lease();
        assertThat(second.current())
                .as("the late answer did not land in the store")
                .isNull();
        assertThat(second.acquire(WAIT).accessToken()).isEqualTo("token-2");
    }

    @Test
    void aPoolThatAsksForOtherTokenSettingsIsWarnedOnceNamingBoth() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(TokenRegistry.class);
        Level level = logger.getLevel();
        logger.setLevel(Level.WARN); // whatever another test in this JVM did to the library's loggers
        logger.addAppender(log);
        try {
            rig.lease();
            TokenSettings other = TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofSeconds(7));
            lease(other, null);
            lease(other, null);
            rig.lease();

            List<ILoggingEvent> warnings =
                    log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).getFormattedMessage())
                    .contains("fetchTimeout=PT20S")
                    .contains("fetchTimeout=PT7S");
        } finally {
            logger.detachAppender(log);
            logger.setLevel(level);
        }
    }

    @Test
    void listenersHearOfEachRequestWithNoLockHeldSoTheyMayReadTheTokenState() throws Exception {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        TokenLease[] self = new TokenLease[1];
        self[0] = lease(TokenSettings.DEFAULTS, new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                // from another thread this would deadlock if the owner's lock were held here
                heard.add(info.scope() + " "
                        + CompletableFuture.supplyAsync(() -> self[0].unavailableReason(), threads)
                                .join());
            }
        });
        self[0].acquire(WAIT);
        awaitTrue(() -> !heard.isEmpty()); // listeners hear after the waiters got the token
        assertThat(heard).containsExactly(SCOPE + " null");
    }
}
