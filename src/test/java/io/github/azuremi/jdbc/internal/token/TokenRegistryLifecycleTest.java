package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.SCOPE;
import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases opening and closing: what a closed lease or token refuses, what closing drops and stops. */
class TokenRegistryLifecycleTest {

    private final List<Boolean> executorIdles = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final TokenRig rig = new TokenRig().fetchExecutor(new FetchExecutor() {
        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void idle(BooleanSupplier stillIdle) {
            executorIdles.add(stillIdle.getAsBoolean());
        }
    });

    private final TokenRegistry registry = rig.registry();
    private final FakeCredential credential = rig.credential();

    private TokenKey key(String scope) {
        return new TokenKey(CredentialSource.of(credential), scope, null);
    }

    private TokenLease lease(String scope, TokenListener listener) {
        return rig.lease(key(scope), TokenSettings.DEFAULTS, listener);
    }

    private SharedToken sharedToken() {
        return registry.store().asMap().keySet().iterator().next();
    }

    @Test
    void aClosedLeaseRefusesToServeWhileOtherLeasesOfItsKeyStillWork() {
        TokenLease closed = lease(SCOPE, null);
        TokenLease open = lease(SCOPE, null);
        CachedToken token = open.acquire(WAIT);
        closed.close();

        assertThatThrownBy(() -> closed.acquire(WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith(" is closed");
        assertThatThrownBy(() -> closed.replaceRejected(token, WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith(" is closed");
        assertThat(open.acquire(WAIT).accessToken()).isEqualTo(token.accessToken());
        assertThat(closed.key()).isEqualTo(key(SCOPE));
        assertThat(closed.toString()).isEqualTo("TokenLease{" + key(SCOPE) + ", closed}");
        assertThat(open.toString()).isEqualTo("TokenLease{" + key(SCOPE) + "}");
    }

    @Test
    void aClosedLeasesListenerHearsNothingMore() {
        List<TokenInfo> heard = new CopyOnWriteArrayList<>();
        TokenLease withListener = lease(SCOPE, new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                heard.add(info);
            }
        });
        TokenLease other = lease(SCOPE, null);
        withListener.acquire(WAIT);
        assertThat(heard).hasSize(1);
        withListener.close();

        rig.time().advance(Duration.ofHours(12));
        rig.timer().runDue();
        assertThat(credential.requests())
                .as("the other lease keeps the token refreshing")
                .isEqualTo(2);
        assertThat(heard).hasSize(1);
        assertThat(other.acquire(WAIT).accessToken()).isEqualTo("token-2");
    }

    @Test
    void theTimerAndExecutorAreToldToIdleOnlyWhenTheLastKeyCloses() {
        TokenLease a = lease(SCOPE, null);
        TokenLease b = lease("other-scope", null);
        a.acquire(WAIT);
        b.acquire(WAIT);

        a.close();
        assertThat(rig.timer().idleCalls()).isZero();
        assertThat(executorIdles).isEmpty();
        b.close();
        assertThat(rig.timer().idleCalls()).isEqualTo(1);
        assertThat(executorIdles).containsExactly(true);
        assertThat(registry.keyCount()).isZero();
    }

    @Test
    void aClosedTokenIsOffTheHotPathOutOfTheStoreAndRefusesEveryCall() {
        TokenLease lease = lease(SCOPE, null);
        CachedToken token = lease.acquire(WAIT);
        SharedToken shared = sharedToken();
        assertThat(shared.acquire(WAIT, false).accessToken()).isEqualTo(token.accessToken());
        lease.close();

        assertThat(registry.store().asMap()).isEmpty();
        assertThatThrownBy(() -> shared.acquire(WAIT, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith("is no longer in use (its last pool closed)");
        assertThatThrownBy(() -> shared.replaceRejected(token, WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageEndingWith("is no longer in use (its last pool closed)");
        assertThat(credential.requests()).isEqualTo(1);
    }

    @Test
    void theStoreDropsATokenAtTheEndOfItsUsableTimeOnTheTicker() {
        TokenLease lease = lease(SCOPE, null);
        lease.acquire(WAIT);
        SharedToken shared = sharedToken();
        rig.time().advance(Duration.ofHours(24).minusSeconds(31)); // usable until 30 s before expiry
        assertThat(registry.store().getIfPresent(shared)).isNotNull();
        rig.time().advance(Duration.ofSeconds(2));
        assertThat(registry.store().getIfPresent(shared)).isNull();
    }

    @Test
    void onlyOtherSettingsAreAMismatchAndEachIsReportedOnce() {
        SharedToken shared = new SharedToken(key(SCOPE), TokenSettings.DEFAULTS, registry);
        TokenSettings other = TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofSeconds(3));
        assertThat(shared.firstMismatch(TokenSettings.DEFAULTS)).isFalse();
        assertThat(shared.firstMismatch(other)).isTrue();
        assertThat(shared.firstMismatch(other)).isFalse();
        assertThat(shared.toString()).isEqualTo("SharedToken{" + key(SCOPE) + "}");
    }
}
