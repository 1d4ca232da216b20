package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Regression tests from the adversarial review of token core v2: each pins an interleaving or an input that
 * broke a requirement of issue 9 before it was fixed (the test names say which).
 */
class SharedTokenReviewTest {

  private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String TIMER_THREAD = "managed-identity-token-refresh-";

  private final FakeTime time = new FakeTime();
  private final ManualTimer timer = new ManualTimer(time);
  private final FakeCredential credential = new FakeCredential(time);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<TokenLease> leases = new ArrayList<>();

  @AfterEach
  void tearDown() {
    credential.release();
    leases.forEach(TokenLease::close);
    threads.shutdownNow();
    RefreshTimer.daemon().idle();
  }

  private TokenKey key() {
    return new TokenKey(CredentialSource.of(credential), SCOPE, null);
  }

  private TokenLease lease(TokenRegistry registry, TokenSettings settings) {
    TokenLease lease = registry.register(key(), settings, null);
    leases.add(lease);
    return lease;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Finding 1: close() between request() publishing inFlight and launch() scheduling the fetch timeout.

  /**
   * Thread A: acquire -> request(null) publishes inFlight, releases the lock. Thread B: the last pool closes
   * (close() claims the request; its timeoutTask is still null, so nothing is cancelled). Thread A: launch()
   * schedules the fetch timeout and calls the credential. The same window exists for the timer thread's
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
      return timer.schedule(task, delayNanos);
    };
    TokenRegistry registry = new TokenRegistry(time, closingTimer, Runnable::run, () -> 0.0);
    lease[0] = lease(registry, TokenSettings.DEFAULTS);

    assertThatThrownBy(() -> lease[0].acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);

    assertThat(registry.keyCount()).isZero();
    assertThat(credential.requests()).as("no request to the credential after the last pool closed").isZero();
    assertThat(timer.liveTasks()).as("no fetch timeout left on the timer after the last pool closed").isZero();
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
    TokenRegistry registry = new TokenRegistry(TimeSource.system(), closingTimer, Runnable::run, () -> 0.0);
    lease[0] = lease(registry, TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(300)));

    assertThatThrownBy(() -> lease[0].acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
    Thread.sleep(1_500); // the leaked fetch timeout (300 ms) has fired by now; nothing is scheduled any more

    assertThat(liveThreads(TIMER_THREAD)).as("library threads alive after the last pool closed").isZero();
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
    TokenRegistry registry = new TokenRegistry(TimeSource.system(), closingTimer, Runnable::run, () -> 0.0);
    lease[0] = lease(registry, TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(300)));
    credential.lifetime(Duration.ofDays(3650)); // FakeTime's instant is in the past of the system clock

    try {
      lease[0].acquire(WAIT);
    } catch (RuntimeException ignored) {
      // whatever the waiter gets: the point is the thread
    }
    Thread.sleep(1_500);

    assertThat(liveThreads(TIMER_THREAD)).as("library threads alive after the last pool closed").isZero();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Finding 2: a token whose lifetime exceeds ~292 years overflows Duration.toNanos() inside finish(), before
  // the request is claimed: the answer is lost, waiters hang until their timeout, inFlight stays set until the
  // fetch timeout, and the exception escapes into the fetch thread (or, with a same-thread executor, the caller).

  @Test
  void aTokenThatNeverExpiresInPracticeIsServed() {
    credential.lifetime(Duration.ofDays(365L * 300)); // e.g. a static token wrapped with OffsetDateTime.MAX
    TokenRegistry registry = new TokenRegistry(time, timer, threads::execute, () -> 0.0);
    TokenLease lease = lease(registry, TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(500)));

    assertThat(lease.acquire(Duration.ofMillis(500)).accessToken()).isEqualTo("token-1");
  }

  @Test
  void aTokenThatNeverExpiresInPracticeDoesNotLeaveTheRequestInFlight() {
    credential.lifetime(Duration.ofDays(365L * 300));
    TokenRegistry registry = new TokenRegistry(time, timer, Runnable::run, () -> 0.0);
    TokenLease lease = lease(registry, TokenSettings.DEFAULTS);

    try {
      lease.acquire(WAIT);
    } catch (RuntimeException e) {
      // today: a raw ArithmeticException (not a TokenUnavailableException) reaches the driver
      assertThat(e).isInstanceOf(TokenUnavailableException.class);
    }
    assertThat(String.valueOf(lease.unavailableReason())).as("no request left hanging").doesNotContain("has been running");
  }

  // ---------------------------------------------------------------------------------------------------------
  // Finding 3: "A pool's first token is waited for up to fetchTimeout" is implemented per identity (hadToken),
  // not per pool: a second pool that starts while the identity has no token waits only its own timeout.

  @Test
  void aSecondPoolsFirstTokenIsWaitedForAsLongAsTheFetchTimeout() throws Exception {
    TokenRegistry registry = new TokenRegistry(time, timer, threads::execute, () -> 0.0);
    TokenLease first = lease(registry, TokenSettings.DEFAULTS);
    CachedToken refused = first.acquire(WAIT);
    CountDownLatch gate = credential.block();
    CompletableFuture<CachedToken> retry = CompletableFuture.supplyAsync(() -> first.replaceRejected(refused, WAIT), threads);
    awaitTrue(() -> credential.requests() == 2 && first.current() == null);

    TokenLease second = lease(registry, TokenSettings.DEFAULTS); // a new pool starts now
    Future<CachedToken> secondFirst = threads.submit(() -> second.acquire(Duration.ofMillis(50)));
    Thread.sleep(300);
    gate.countDown();

    assertThat(retry.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
    assertThat(secondFirst.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
  }

  // ---------------------------------------------------------------------------------------------------------
  // Finding 4: "N refusals of one token cause at most one request" holds only for the last refused value
  // (lastRefused is a single slot).

  @Test
  void aTokenRefusedAgainAfterAnotherTokenWasRefusedDoesNotCauseASecondRequest() {
    TokenRegistry registry = new TokenRegistry(time, timer, Runnable::run, () -> 0.0);
    TokenLease lease = lease(registry, TokenSettings.DEFAULTS);
    CachedToken a = lease.acquire(WAIT);                         // request 1
    CachedToken b = lease.replaceRejected(a, WAIT);              // request 2: A's one replacement
    time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
    credential.failWith(new IllegalStateException("endpoint down"));
    assertThatThrownBy(() -> lease.replaceRejected(b, WAIT));    // request 3: B's one replacement, fails
    time.advance(Duration.ofMinutes(1));                         // past backoff and forced spacing
    int before = credential.requests();

    try {
      lease.replaceRejected(a, WAIT); // a late refusal of A (a login that started with A long ago)
    } catch (RuntimeException ignored) {
      // the outcome does not matter, the request count does
    }
    assertThat(credential.requests()).as("A already had its one replacement request").isEqualTo(before);
  }


  /**
   * tokenFetchTimeout=Long.MAX_VALUE ms ("no timeout") passes TokenSettings.checked(); launch() then throws
   * ArithmeticException at settings.fetchTimeout().toNanos() after inFlight was published: the request is never
   * started, never timed out and never cleared, so the identity never gets a token again.
   */
  @Test
  void aHugeFetchTimeoutDoesNotWedgeTheIdentity() {
    TokenSettings huge = TokenSettings.DEFAULTS.withFetchTimeout(Duration.ofMillis(Long.MAX_VALUE));
    java.util.List<String> warnings = new java.util.ArrayList<>();
    assertThat(huge.checked(warnings).fetchTimeout()).as("the setting falls back").isEqualTo(Duration.ofSeconds(20));
    assertThat(warnings).singleElement().asString().contains("tokenFetchTimeout must be between");
    TokenSettings settings = huge; // and the core itself saturates, should unchecked settings ever reach it
    TokenRegistry registry = new TokenRegistry(time, timer, Runnable::run, () -> 0.0);
    TokenLease lease = lease(registry, settings);

    try {
      lease.acquire(WAIT);
    } catch (RuntimeException first) {
      // today: java.lang.ArithmeticException: long overflow
    }
    time.advance(Duration.ofMinutes(5));
    timer.runDue();
    assertThat(String.valueOf(lease.unavailableReason())).as("the request is not stuck in flight").doesNotContain("has been running");
    assertThat(lease.acquire(WAIT).accessToken()).startsWith("token-");
  }

  // ---------------------------------------------------------------------------------------------------------
  // Observation: a token refused while resting after failures stays on the hot path.

  @Test
  void aTokenRefusedWhileRestingIsNotHandedOutAgain() {
    TokenRegistry registry = new TokenRegistry(time, timer, Runnable::run, () -> 0.0);
    TokenLease lease = lease(registry, TokenSettings.DEFAULTS);
    CachedToken a = lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("endpoint down"));
    time.advance(Duration.ofHours(12));
    timer.runDue(); // the refresh fails: backoff; A still valid and serving

    assertThatThrownBy(() -> lease.replaceRejected(a, WAIT)).isInstanceOf(TokenUnavailableException.class);
    assertThat(lease.current()).as("the refused token is still in the store").isNull();
  }


  // ---------------------------------------------------------------------------------------------------------
  // Finding 6: validity is judged on the monotonic ticker only. On Linux System.nanoTime() (CLOCK_MONOTONIC)
  // stops while the host is suspended (laptop sleep, docker pause, VM suspend), the wall clock does not: after
  // resume the hot path, the store and the timer all still consider an expired token fresh.

  @Test
  void anExpiredTokenIsNotHandedOutAfterTheHostWasSuspended() {
    java.util.concurrent.atomic.AtomicLong suspendedNanos = new java.util.concurrent.atomic.AtomicLong();
    TimeSource suspendable = new TimeSource() {
      @Override
      public long read() {
        return time.read(); // monotonic: does not advance while suspended
      }

      @Override
      public java.time.Instant instant() {
        return time.instant().plusNanos(suspendedNanos.get());
      }
    };
    credential.lifetime(Duration.ofMinutes(60)); // a developer token
    TokenRegistry registry = new TokenRegistry(suspendable, timer, Runnable::run, () -> 0.0);
    TokenLease lease = lease(registry, TokenSettings.DEFAULTS);
    lease.acquire(WAIT);

    time.advance(Duration.ofMinutes(10));
    suspendedNanos.set(Duration.ofHours(2).toNanos()); // the laptop slept for two hours

    // The stale token must not be served: a new one is requested. (This fake credential issues by the
    // clock that did not see the suspension, so its answer counts as already expired: a failure is fine.)
    try {
      CachedToken served = lease.acquire(WAIT);
      assertThat(served.isUsable(suspendable.instant())).as("served token usable by the wall clock").isTrue();
    } catch (io.github.azuremi.jdbc.TokenUnavailableException expected) {
      assertThat(expected).hasMessageContaining("already expired");
    }
    assertThat(credential.requests()).as("a new token was requested").isEqualTo(2);
  }

  private static long liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
