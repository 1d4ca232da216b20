package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link TokenRegistry#prefetch}: fetched ahead, claimed by the pool of the same key, released when unclaimed. */
class TokenPrefetchTest {

    private static final Duration HOLD = Duration.ofMinutes(2);

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final AtomicInteger releases = new AtomicInteger();

    @Test
    void thePrefetchAsksAtOnceAndThePoolThatRegistersLaterClaimsItsToken() {
        Prefetch prefetch = rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        assertThat(rig.credential().requests()).as("asked before any pool").isEqualTo(1);

        TokenLease pool = rig.lease();
        assertThat(prefetch.isReleased()).as("claimed by the pool").isTrue();
        assertThat(releases).hasValue(1);
        assertThat(pool.acquire(TokenRig.WAIT).accessToken()).isEqualTo("token-1");
        assertThat(rig.credential().requests())
                .as("the pool used the prefetched token")
                .isEqualTo(1);

        rig.time().advance(HOLD.plusSeconds(1));
        rig.timer().runDue();
        assertThat(rig.registry().keyCount())
                .as("the claimed token stays with its pool")
                .isEqualTo(1);
        assertThat(releases).as("released once").hasValue(1);
    }

    @Test
    void anUnclaimedPrefetchIsReleasedAfterItsHoldTime() {
        Prefetch prefetch = rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        rig.time().advance(HOLD.minusSeconds(1));
        rig.timer().runDue();
        assertThat(prefetch.isReleased()).isFalse();
        assertThat(rig.registry().keyCount()).isEqualTo(1);

        rig.time().advance(Duration.ofSeconds(2));
        rig.timer().runDue();
        assertThat(prefetch.isReleased()).isTrue();
        assertThat(releases).hasValue(1);
        assertThat(rig.registry().keyCount()).as("token dropped").isZero();
        assertThat(rig.timer().liveTasks()).as("no refresh left behind").isZero();
    }

    @Test
    void aSecondPrefetchOfAPendingKeyDoesNothing() {
        Prefetch first = rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        Prefetch second = rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        assertThat(second.isReleased()).isTrue();
        assertThat(first.isReleased()).isFalse();
        assertThat(rig.credential().requests()).isEqualTo(1);
        first.close();
        assertThat(releases).hasValue(2);
        assertThat(rig.registry().keyCount()).isZero();
    }

    @Test
    void aFailedPrefetchIsForgottenAndThePoolGetsTheErrorItWouldHaveGotWithoutIt() {
        IllegalStateException cause = new IllegalStateException("endpoint said no");
        String withoutPrefetch;
        TokenRegistry plain = rig.newRegistry(() -> 0.0);
        rig.credential().failWith(cause);
        TokenLease alone = rig.lease(plain, rig.key(), TokenSettings.DEFAULTS, null);
        withoutPrefetch = messageOf(alone);
        alone.close();
        int before = rig.credential().requests();

        rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        assertThat(rig.credential().requests()).isEqualTo(before + 1);
        assertThat(rig.timer().nextDelay())
                .as("no retry scheduled by the failed prefetch: only its hold")
                .isEqualTo(HOLD);

        TokenLease pool = rig.lease();
        assertThat(messageOf(pool)).isEqualTo(withoutPrefetch);
        assertThat(rig.credential().requests())
                .as("the pool asked again itself")
                .isEqualTo(before + 2);
    }

    private static String messageOf(TokenLease lease) {
        try {
            lease.acquire(TokenRig.WAIT);
        } catch (TokenUnavailableException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected the acquire to fail");
    }

    @Test
    void closingThePrefetchReleasesItOnce() {
        Prefetch prefetch = rig.registry().prefetch(rig.key(), TokenSettings.DEFAULTS, HOLD, releases::incrementAndGet);
        prefetch.close();
        prefetch.close();
        assertThat(releases).hasValue(1);
        assertThat(rig.registry().keyCount()).isZero();
        assertThat(rig.timer().liveTasks()).as("its hold cancelled").isZero();
    }
}
