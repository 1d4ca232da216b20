package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tokens expire by the wall clock (the server's), so the hot path judges a token by the wall clock, not by the
 * monotonic ticker, which stops while the host is suspended (laptop sleep, VM suspend, {@code docker pause}).
 */
class SharedTokenWallClockTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final FakeTime time = rig.time();
    private final FakeCredential credential = rig.credential();

    @Test
    void theHotPathJudgesTheRefreshPointByTheWallClock() {
        TokenLease lease = rig.lease();
        CachedToken token = lease.acquire(WAIT);
        // 12 h pass on the ticker, but the wall clock was stepped back by as much: by the wall clock (the
        // server's) the token is as fresh as when it came
        time.advance(Duration.ofHours(12));
        time.stepWallClock(Duration.ofHours(-12));

        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(token.accessToken());
        assertThat(credential.tenants()).as("no refresh was started").hasSize(1);
    }

    /**
     * Regression (review of token core v2, finding 6): validity was judged on the monotonic ticker only. On Linux
     * System.nanoTime() (CLOCK_MONOTONIC) stops while the host is suspended, the wall clock does not: after resume
     * the hot path, the store and the timer all still considered an expired token fresh.
     */
    @Test
    void anExpiredTokenIsNotHandedOutAfterTheHostWasSuspended() {
        credential.lifetime(Duration.ofMinutes(60)); // a developer token
        TokenLease lease = rig.lease();
        lease.acquire(WAIT);

        time.advance(Duration.ofMinutes(10));
        time.stepWallClock(Duration.ofHours(2)); // the laptop slept for two hours: the ticker stood still

        // the stale token is not served: a new one is requested, and it is usable by the wall clock
        CachedToken served = lease.acquire(WAIT);
        assertThat(served.accessToken()).isEqualTo("token-2");
        assertThat(served.isUsable(time.instant()))
                .as("served token usable by the wall clock")
                .isTrue();
        assertThat(credential.requests()).as("a new token was requested").isEqualTo(2);
    }
}
