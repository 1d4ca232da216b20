package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.r2dbc.ReactiveTokenSource;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The token of a reactive login: never a blocking call on a Reactor thread (BlockHound watches every test), a held
 * token at once on the subscribing thread, and a missing one awaited on the library's own thread, once for all the
 * logins that miss together.
 */
class ReactiveTokenSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final ExecutorService waitThreads = Executors.newCachedThreadPool(r -> new Thread(r, "test-token-wait"));
    private final AtomicInteger waits = new AtomicInteger();

    @AfterEach
    void stopThreads() {
        waitThreads.shutdownNow();
    }

    private ReactiveTokenSource source(TokenLease lease) {
        return new ReactiveTokenSource(lease, WAIT, task -> {
            waits.incrementAndGet();
            waitThreads.execute(task);
        });
    }

    @Test
    void aHeldTokenIsHandedOutOnTheSubscribingEventLoopThreadWithoutAWait() {
        TokenLease lease = rig.lease();
        lease.acquire(WAIT);
        ReactiveTokenSource tokens = source(lease);

        String[] where = new String[1];
        CachedToken token = tokens.token()
                .doOnNext(t -> where[0] = Thread.currentThread().getName())
                .subscribeOn(Schedulers.parallel())
                .block(WAIT);

        assertThat(token.accessToken()).isEqualTo("token-1");
        assertThat(where[0]).startsWith("parallel-");
        assertThat(waits).as("no hop to a wait thread").hasValue(0);
        assertThat(rig.credential().requests()).isEqualTo(1);
    }

    @Test
    void theFirstTokenIsAwaitedOnTheLibrarysOwnThreadWhileTheEventLoopThreadGoesOn() throws Exception {
        rig.fetchOnThreads();
        rig.credential().block();
        ReactiveTokenSource tokens = new ReactiveTokenSource(rig.lease(), WAIT);

        String[] where = new String[1];
        Mono<CachedToken> login = tokens.token()
                .doOnNext(t -> where[0] = Thread.currentThread().getName())
                .subscribeOn(Schedulers.single()); // where r2dbc-pool subscribes a new connection's login
        var result = login.toFuture();
        TokenRig.awaitTrue(() -> rig.credential().requests() == 1);
        // the single thread is free while the token is awaited: another task runs on it at once
        assertThat(Mono.fromCallable(() -> "free")
                        .subscribeOn(Schedulers.single())
                        .block(WAIT))
                .isEqualTo("free");
        assertThat(result).isNotDone();

        rig.credential().release();

        assertThat(result.get().accessToken()).isEqualTo("token-1");
        assertThat(where[0]).startsWith("managed-identity-r2dbc-token-wait-");
    }

    @Test
    void loginsThatMissTogetherShareOneWaitAndOneRequest() throws Exception {
        rig.fetchOnThreads();
        rig.credential().block();
        ReactiveTokenSource tokens = source(rig.lease());

        var all = Flux.range(0, 50)
                .flatMap(i -> tokens.token().subscribeOn(Schedulers.parallel()))
                .map(CachedToken::accessToken)
                .collectList()
                .toFuture();
        TokenRig.awaitTrue(() -> rig.credential().requests() == 1);
        Thread.sleep(50); // the late subscriptions join too
        rig.credential().release();

        List<String> tokensSeen = all.get();
        assertThat(tokensSeen).hasSize(50).containsOnly("token-1");
        assertThat(waits).as("waits on the library's threads").hasValue(1);
        assertThat(rig.credential().requests()).isEqualTo(1);
    }

    @Test
    void aLoginThatGivesUpDoesNotCancelTheWaitOthersJoined() throws Exception {
        rig.fetchOnThreads();
        rig.credential().block();
        ReactiveTokenSource tokens = source(rig.lease());

        var patient = tokens.token().subscribeOn(Schedulers.parallel()).toFuture();
        TokenRig.awaitTrue(() -> rig.credential().requests() == 1);
        assertThatThrownBy(() -> tokens.token()
                        .subscribeOn(Schedulers.parallel())
                        .timeout(Duration.ofMillis(20))
                        .block(WAIT))
                .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
        rig.credential().release();

        assertThat(patient.get().accessToken()).isEqualTo("token-1");
    }

    @Test
    void aTokenDueForRefreshStillServesAndItsRefreshStartsOffTheEventLoop() throws Exception {
        TokenLease lease = rig.lease();
        CachedToken first = lease.acquire(WAIT);
        rig.time()
                .advance(Duration.between(first.fetchedAt(), first.refreshAt()).plusSeconds(1));
        ReactiveTokenSource tokens = source(lease);

        CachedToken token = tokens.token().subscribeOn(Schedulers.parallel()).block(WAIT);

        assertThat(token.accessToken())
                .as("the valid token serves while it is refreshed")
                .isEqualTo("token-1");
        assertThat(waits).as("the refresh was started on a wait thread").hasValue(1);
        TokenRig.awaitTrue(() -> rig.credential().requests() == 2);
        assertThat(tokens.token().subscribeOn(Schedulers.parallel()).block(WAIT).accessToken())
                .isEqualTo("token-2");
    }

    @Test
    void aFailedFirstRequestFailsTheLoginWithItsReasonAndNoTokenInTheMessage() {
        rig.credential().failWith(new IllegalStateException("identity endpoint said no"));
        ReactiveTokenSource tokens = source(rig.lease());

        assertThatThrownBy(
                        () -> tokens.token().subscribeOn(Schedulers.parallel()).block(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("identity endpoint said no");
    }

    @Test
    void aRefusedTokenIsReplacedOffTheEventLoop() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        ReactiveTokenSource tokens = source(lease);

        CachedToken fresh = tokens.replaceRejected(refused)
                .subscribeOn(Schedulers.parallel())
                .block(WAIT);

        assertThat(fresh.accessToken()).isEqualTo("token-2");
        assertThat(waits).hasValue(1);
        assertThat(tokens.token().subscribeOn(Schedulers.parallel()).block(WAIT).accessToken())
                .as("the replacement is the token of the next login")
                .isEqualTo("token-2");
    }

    @Test
    void aReplacementThatWouldNotHelpEndsEmpty() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        ReactiveTokenSource tokens = source(lease);
        CachedToken fresh = tokens.replaceRejected(refused).block(WAIT);

        // the fresh token refused too: the identity is not mapped, and more tokens would not help
        assertThat(tokens.replaceRejected(fresh)
                        .subscribeOn(Schedulers.parallel())
                        .blockOptional(WAIT))
                .isEmpty();
        assertThat(rig.credential().requests()).isEqualTo(2);
    }
}
