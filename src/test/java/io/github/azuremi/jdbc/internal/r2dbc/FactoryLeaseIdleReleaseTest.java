package io.github.azuremi.jdbc.internal.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenStatus;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.IdleLeases;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenRig;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * An R2DBC factory's token is not refreshed for ever once the application stopped using it, even when nobody closes
 * the factory (r2dbc-pool never does; a Spring context may never close): after {@link IdleLeases#IDLE_RELEASE}
 * without a new connection the lease is released by the core's idle sweep (the driver plugins' mechanism), and the
 * next connection registers it again, with the factory's listeners. The sweep's clock and timer are the test's; the
 * token core is the rig's (fake credential and time).
 */
class FactoryLeaseIdleReleaseTest {

    private static final Duration IDLE = IdleLeases.IDLE_RELEASE;
    private static final Duration WAIT = TokenRig.WAIT;

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final AtomicLong now = new AtomicLong();
    private final List<Runnable> sweeps = new ArrayList<>();
    private final RefreshTimer sweepTimer = new RefreshTimer() {
        @Override
        public Future<?> schedule(Runnable task, long delayNanos) {
            sweeps.add(task);
            return new CompletableFuture<>();
        }
    };
    private final IdleLeases<FactoryLease, Void> leases =
            new IdleLeases<>(sweepTimer, now::get, IDLE, lease -> {}, () -> {});
    private final ExecutorService waits = Executors.newCachedThreadPool(r -> new Thread(r, "test-token-wait"));
    private final AtomicInteger fetched = new AtomicInteger();
    private final TokenListenerFanout listeners = new TokenListenerFanout();
    private final AtomicInteger logins = new AtomicInteger();
    private FactoryLease lease;
    private TokenLoginConnectionFactory factory;

    @AfterEach
    void stop() {
        if (factory != null) {
            factory.close();
        }
        waits.shutdownNow();
    }

    /** A factory on {@link #leases} whose "connection" is the login's token, taken (no database needed here). */
    private TokenLoginConnectionFactory factory() {
        listeners.add(new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                fetched.incrementAndGet();
            }

            @Override
            public void onTokenFetchFailed(TokenFetchFailure failure) {}
        });
        lease = new FactoryLease(
                leases, rig.key(), () -> rig.registry().register(rig.key(), TokenSettings.DEFAULTS, listeners));
        lease.forLogin(); // as R2dbcLogins: registered when the factory is built
        ReactiveTokenSource tokens = new ReactiveTokenSource(lease::forLogin, rig.key(), WAIT, waits);
        ConnectionFactoryMetadata metadata = () -> "test";
        factory = new TokenLoginConnectionFactory(
                attempt ->
                        attempt.token().doOnNext(t -> logins.incrementAndGet()).then(Mono.<Connection>empty()),
                metadata,
                tokens,
                new FactoryTokenUse(lease, listeners, "test"),
                Dialect.POSTGRESQL,
                lease::close);
        return factory;
    }

    private void sweepAt(Duration at) {
        now.set(at.toNanos());
        assertThat(sweeps).as("a sweep is queued while a lease is held").hasSize(1);
        sweeps.remove(0).run();
    }

    @Test
    void anHourWithoutANewConnectionReleasesTheTokenAndStopsItsRefreshes_theNextConnectionRegistersAgain() {
        TokenLoginConnectionFactory f = factory();
        f.create().block(WAIT);
        assertThat(logins).hasValue(1);
        assertThat(rig.credential().requests()).isEqualTo(1);
        assertThat(f.tokenStatus().usable()).isTrue();

        sweepAt(IDLE.minusNanos(1));
        assertThat(leases.size()).as("a connection within the hour: kept").isEqualTo(1);
        assertThat(rig.registry().keyCount()).isEqualTo(1);

        sweepAt(IDLE.multipliedBy(2));
        assertThat(leases.size())
                .as("an hour without a new connection: released")
                .isZero();
        assertThat(rig.registry().keyCount()).as("the token is gone").isZero();
        assertThat(rig.timer().liveTasks())
                .as("no refresh left on the token core's timer")
                .isZero();
        assertThat(sweeps).as("nothing held: no sweep queued").isEmpty();
        assertThat(f.tokenStatus())
                .as("health: no token expected until the next connection")
                .isNull();

        f.create().block(WAIT);
        assertThat(logins).hasValue(2);
        assertThat(rig.credential().requests())
                .as("one request for the lease registered again")
                .isEqualTo(2);
        assertThat(fetched).as("the factory's listeners are told of it").hasValue(2);
        assertThat(leases.size()).isEqualTo(1);
        assertThat(sweeps).as("the sweep is queued again").hasSize(1);
        assertThat(f.tokenStatus().usable()).isTrue();
    }

    @Test
    void everyNewConnectionCountsAsAUse() {
        TokenLoginConnectionFactory f = factory();
        f.create().block(WAIT);
        now.set(IDLE.minusSeconds(1).toNanos());
        f.create().block(WAIT); // just before the hour is up

        sweepAt(IDLE.plusSeconds(1)); // an hour after the first connection, a second after the second one
        assertThat(leases.size()).as("the last connection is what counts").isEqualTo(1);
        assertThat(rig.credential().requests()).isEqualTo(1);

        sweepAt(IDLE.multipliedBy(2));
        assertThat(leases.size()).isZero();
    }

    @Test
    void aClosedFactoryReleasesAtOnceAndMakesNoConnection() {
        TokenLoginConnectionFactory f = factory();
        f.create().block(WAIT);

        f.close();
        assertThat(leases.size()).isZero();
        assertThat(rig.registry().keyCount()).isZero();
        assertThatThrownBy(() -> f.create().block(WAIT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(lease::forLogin).isInstanceOf(IllegalStateException.class);
        assertThat(leases.size()).as("a closed factory registers nothing again").isZero();
        TokenStatus status = f.tokenStatus();
        assertThat(status).isNull();
    }
}
