package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The last pool closing while its token's request is being launched or answered: no request reaches the
 * credential afterwards, and no task or thread of the library's timer is left behind. Each test closes the
 * lease from inside the timer, at the exact point of the interleaving it pins (regressions found in the review
 * of token core v2, finding 1).
 */
class LastLeaseClosingRaceTest {

    private static final String TIMER_THREAD = "managed-identity-token-refresh-";

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    @AfterEach
    void stopTheLibrarysTimer() {
        RefreshTimer.daemon().idle();
    }

    /**
     * Regression (review of token core v2, finding 1). Thread A: acquire -> request(null) publishes inFlight, releases the lock. Thread B: the last pool closes
     * (close() claims the request; its timeoutTask is still null, so nothing is cancelled). Thread A: launch()
     * schedules the fetch timeout and calls the rig.credential(). The same window exists for the timer thread's
     * refresh (request(seq)) racing the last pool's close.
     */
    @Test
    void aPoolClosedWhileItsRequestIsBeingLaunchedLeavesNoRequestAndNoTimerTask() {
        TokenLease[] lease = new TokenLease[1];
        AtomicBoolean armed = new AtomicBoolean(true);
        RefreshTimer closingTimer = (task, delayNanos) -> {
            if (armed.getAndSet(false)) {
                lease[0].close(); // the last pool closes right between request() and launch()
            }
            return rig.timer().schedule(task, delayNanos);
        };
        lease[0] = rig.refreshTimer(closingTimer).lease();

        assertThatThrownBy(() -> lease[0].acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);

        assertThat(rig.registry().keyCount()).isZero();
        assertThat(rig.credential().requests())
                .as("no request to the credential after the last pool closed")
                .isZero();
        assertThat(rig.timer().liveTasks())
                .as("no fetch timeout left on the timer after the last pool closed")
                .isZero();
    }

    /** The same interleaving on the library's real timer: its thread is restarted after idle() and never stops. */
    @Test
    void aPoolClosedWhileItsRequestIsBeingLaunchedLeavesNoTimerThreadBehind() throws Exception {
        TokenLease[] lease = new TokenLease[1];
        AtomicBoolean armed = new AtomicBoolean(true);
        RefreshTimer daemon = RefreshTimer.daemon();
        RefreshTimer closingTimer = new RefreshTimer() {
            @Override
            public Future<?> schedule(Runnable task, long delayNanos) {
                if (armed.getAndSet(false)) {
                    lease[0].close();
                }
                return daemon.schedule(task, delayNanos);
            }

            @Override
            public void idle() {
                daemon.idle();
            }
        };
        lease[0] = rig.clock(TimeSource.system())
                .refreshTimer(closingTimer)
                .lease(TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(300)));

        assertThatThrownBy(() -> lease[0].acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
        Thread.sleep(1_500); // the leaked fetch timeout (300 ms) has fired by now; nothing is scheduled any more

        assertThat(liveThreads(TIMER_THREAD))
                .as("library threads alive after the last pool closed")
                .isZero();
    }

    /**
     * finish(): the second synchronized block sees the token open and takes seq; then the last pool closes
     * (close(): nothing to cancel yet; release(): timer.idle() stops the timer thread); then finish() calls
     * schedule(seq), which restarts the timer thread, and the task, cancelled at once, leaves it idling forever.
     * The hook sits in the fetch-timeout Future's cancel(), which finish() calls exactly in that window.
     */
    @Test
    void aPoolClosedWhileAnAnswerIsBeingPublishedLeavesNoTimerThreadBehind() throws Exception {
        TokenLease[] lease = new TokenLease[1];
        AtomicBoolean armed = new AtomicBoolean(true);
        RefreshTimer daemon = RefreshTimer.daemon();
        RefreshTimer closingTimer = new RefreshTimer() {
            @Override
            public Future<?> schedule(Runnable task, long delayNanos) {
                Future<?> real = daemon.schedule(task, delayNanos);
                if (!armed.getAndSet(false)) {
                    return real;
                }
                return new CompletableFuture<Object>() { // the fetch timeout's handle
                    @Override
                    public boolean cancel(boolean mayInterrupt) {
                        boolean result = real.cancel(mayInterrupt);
                        lease[0].close(); // the last pool closes between finish()'s 2nd lock and schedule()
                        return result;
                    }
                };
            }

            @Override
            public void idle() {
                daemon.idle();
            }
        };
        lease[0] = rig.clock(TimeSource.system())
                .refreshTimer(closingTimer)
                .lease(TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(300)));
        rig.credential().lifetime(Duration.ofDays(3650)); // FakeTime's instant is in the past of the system clock

        try {
            lease[0].acquire(WAIT);
        } catch (RuntimeException ignored) {
            // whatever the waiter gets: the point is the thread
        }
        Thread.sleep(1_500);

        assertThat(liveThreads(TIMER_THREAD))
                .as("library threads alive after the last pool closed")
                .isZero();
    }

    private static long liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .count();
    }
}
