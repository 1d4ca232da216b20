package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenRig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The plugins' leases: one per identity, scope and settings; released after the idle time without a login. */
class PluginTokensTest {

    static final String SCOPE = TokenRig.SCOPE;
    static final Duration IDLE = Duration.ofMinutes(60);

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final List<Runnable> scheduled = new ArrayList<>();
    private final List<CompletableFuture<Object>> sweeps = new ArrayList<>();
    private final AtomicInteger idleCalls = new AtomicInteger();
    private final RefreshTimer timer = new RefreshTimer() {
        @Override
        public java.util.concurrent.Future<?> schedule(Runnable task, long delayNanos) {
            scheduled.add(task);
            CompletableFuture<Object> f = new CompletableFuture<>();
            sweeps.add(f);
            return f;
        }

        @Override
        public void idle() {
            idleCalls.incrementAndGet();
        }
    };
    private final TokenRegistry registry = rig.registry();
    private final AtomicLong now = new AtomicLong();
    private final CredentialSource source = CredentialSource.of(rig.credential());
    /** The plugins' sweep runs on {@link #timer}, by hand, on the clock {@link #now}; the token core is the rig's. */
    private final PluginTokens tokens = new PluginTokens(registry, timer, now::get, IDLE, s -> source);

    @AfterEach
    void releaseTheLeases() {
        tokens.releaseAll();
    }

    private static PluginSettings settings(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return PluginSettings.read(p, "test");
    }

    private String acquire(PluginSettings settings) {
        return tokens.acquire(settings, SCOPE, Duration.ofSeconds(5), "test").accessToken();
    }

    @Test
    void everyLoginOfOneIdentityAndScopeSharesOneLeaseAndOneToken() {
        PluginSettings s = settings();
        assertThat(acquire(s)).isEqualTo("token-1");
        assertThat(acquire(settings())).isEqualTo("token-1");
        assertThat(tokens.leaseCount()).isEqualTo(1);
        assertThat(registry.keyCount()).isEqualTo(1);
        assertThat(rig.credential().requests()).isEqualTo(1);
    }

    @Test
    void otherTimingsAreAnotherLease_sameToken() {
        acquire(settings());
        acquire(settings("tokenRefreshRatio", "0.6"));
        assertThat(tokens.leaseCount()).isEqualTo(2);
        assertThat(registry.keyCount()).as("one token per identity and scope").isEqualTo(1);
    }

    @Test
    void aLeaseWithoutALoginForTheIdleTimeIsReleased_andTheNextLoginRegistersAgain() {
        acquire(settings());
        assertThat(scheduled).hasSize(1);

        now.set(IDLE.toNanos() - 1);
        scheduled.remove(0).run();
        assertThat(tokens.leaseCount()).as("used within the idle time: kept").isEqualTo(1);
        assertThat(scheduled).as("the sweep runs again while leases are held").hasSize(1);

        now.set(2 * IDLE.toNanos());
        scheduled.remove(0).run();
        assertThat(tokens.leaseCount()).isZero();
        assertThat(registry.keyCount())
                .as("the token and its refreshes are gone")
                .isZero();
        assertThat(scheduled).as("no sweep while nothing is held").isEmpty();

        assertThat(acquire(settings())).isEqualTo("token-2");
        assertThat(tokens.leaseCount()).isEqualTo(1);
        assertThat(scheduled).hasSize(1);
    }

    @Test
    void aLoginKeepsItsLeaseAlive() {
        acquire(settings());
        now.set(IDLE.toNanos() / 2);
        acquire(settings());
        now.set(IDLE.toNanos() + IDLE.toNanos() / 4);
        scheduled.remove(0).run();
        assertThat(tokens.leaseCount()).isEqualTo(1);
    }

    @Test
    void releaseAllStopsEveryLeaseAtOnce_andTheNextLoginStartsAgain() {
        acquire(settings());
        acquire(settings("tokenRefreshRatio", "0.6"));
        tokens.releaseAll();
        assertThat(tokens.leaseCount()).isZero();
        assertThat(registry.keyCount()).isZero();
        assertThat(acquire(settings())).isEqualTo("token-2");
    }

    @Test
    void theLastReleaseCancelsTheQueuedSweepAndTellsTheTimerItIsIdle_soItsThreadCanEnd() {
        acquire(settings());
        assertThat(sweeps).hasSize(1);
        tokens.releaseAll();
        assertThat(sweeps.get(0).isCancelled())
                .as("the queued sweep is cancelled")
                .isTrue();
        assertThat(idleCalls).hasValue(1);
        tokens.releaseAll(); // nothing held, nothing queued: no second idle call
        assertThat(idleCalls).hasValue(1);
    }

    @Test
    void aSweepThatReleasesTheLastLeaseTellsTheTimerItIsIdle_andOneThatKeepsALeaseDoesNot() {
        acquire(settings());
        now.set(IDLE.toNanos() / 2);
        scheduled.remove(0).run();
        assertThat(idleCalls).hasValue(0);
        now.set(3 * IDLE.toNanos());
        scheduled.remove(0).run();
        assertThat(idleCalls).hasValue(1);
    }

    @Test
    void theSweepComesAfterAQuarterOfTheIdleTime() {
        List<Long> delays = new ArrayList<>();
        PluginTokens t = new PluginTokens(
                registry,
                (task, delay) -> {
                    delays.add(delay);
                    return CompletableFuture.completedFuture(null);
                },
                now::get,
                IDLE,
                s -> source);
        t.acquire(settings(), SCOPE, Duration.ofSeconds(5), "test");
        assertThat(delays).containsExactly(IDLE.toNanos() / 4);
        t.releaseAll();
    }
}
