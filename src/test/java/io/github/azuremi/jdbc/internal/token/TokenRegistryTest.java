package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The token cache's behaviour, specified with a fake clock, a hand-run timer and a fake credential:
 * nothing here sleeps, except where real threads must meet.
 */
class TokenRegistryTest {

  private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeTime time = new FakeTime();
  private final ManualTimer timer = new ManualTimer(time);
  private final FakeCredential credential = new FakeCredential(time);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<TokenLease> leases = new ArrayList<>();

  /** A cache whose token requests run on the calling thread: deterministic. */
  private TokenRegistry cache = new TokenRegistry(time, timer, Runnable::run, () -> 0.0);

  @AfterEach
  void tearDown() {
    credential.release();
    leases.forEach(TokenLease::close);
    threads.shutdownNow();
  }

  private TokenLease lease(CredentialSource source, String scope) {
    TokenLease lease = cache.register(new TokenKey(source, scope, null), TokenSettings.DEFAULTS, null);
    leases.add(lease);
    return lease;
  }

  private TokenLease lease() {
    return lease(CredentialSource.of(credential), SCOPE);
  }

  private void useRealThreadsForRequests() {
    cache = new TokenRegistry(time, timer, threads::execute, () -> 0.0);
  }

  // 1. One cache per process, keyed by identity + scope (+ tenant) ---------------------------------------

  @Test
  void poolsOfTheSameIdentityAndScopeShareOneToken() {
    TokenLease first = lease();
    TokenLease second = lease();

    CachedToken a = first.acquire(WAIT);
    CachedToken b = second.acquire(WAIT);

    assertThat(b.accessToken()).isEqualTo(a.accessToken());
    assertThat(credential.requests()).isEqualTo(1);
    assertThat(cache.keyCount()).isEqualTo(1);
  }

  @Test
  void anotherScopeOrTenantIsAnotherToken() {
    CredentialSource source = CredentialSource.of(credential);
    lease(source, SCOPE).acquire(WAIT);
    lease(source, "https://database.windows.net/.default").acquire(WAIT);
    TokenLease tenant = cache.register(new TokenKey(source, SCOPE, "contoso.onmicrosoft.com"),
        TokenSettings.DEFAULTS, null);
    leases.add(tenant);
    tenant.acquire(WAIT);

    assertThat(credential.requests()).isEqualTo(3);
    assertThat(credential.scopes()).containsExactly(SCOPE, "https://database.windows.net/.default", SCOPE);
  }

  @Test
  void builtInCredentialsOfTheSameIdentityAreOneKey() {
    CredentialSource one = CredentialSource.of("managed-identity|abc|", "MI abc", () -> credential);
    CredentialSource same = CredentialSource.of("managed-identity|abc|", "MI abc", () -> credential);
    lease(one, SCOPE).acquire(WAIT);
    lease(same, SCOPE).acquire(WAIT);
    assertThat(credential.requests()).isEqualTo(1);
  }

  @Test
  void theLastLeaseToCloseDropsTheTokenAndStopsRefreshing() {
    TokenLease first = lease();
    TokenLease second = lease();
    first.acquire(WAIT);
    assertThat(timer.liveTasks()).isEqualTo(1);

    first.close();
    assertThat(timer.liveTasks()).isEqualTo(1);
    assertThat(second.current()).isNotNull();

    second.close();
    assertThat(timer.liveTasks()).isZero();
    assertThat(cache.keyCount()).isZero();
    assertThatThrownBy(() -> second.acquire(WAIT)).isInstanceOf(IllegalStateException.class);
  }

  // 2. Refresh ahead of expiry, from each token's own expiry ---------------------------------------------

  @Test
  void refreshIsScheduledAtHalfOfEachTokensOwnLifetime() {
    credential.lifetime(Duration.ofHours(24));
    TokenLease lease = lease();
    CachedToken day = lease.acquire(WAIT);
    assertThat(timer.nextDelay()).isEqualTo(Duration.ofHours(12));
    assertThat(day.refreshAt()).isEqualTo(time.instant().plus(Duration.ofHours(12)));

    // the next token lives 40 s: its refresh is 20 s after it was fetched, not 12 h
    credential.lifetime(Duration.ofSeconds(40));
    time.advance(Duration.ofHours(12));
    timer.runDue();
    assertThat(credential.requests()).isEqualTo(2);
    assertThat(timer.nextDelay()).isEqualTo(Duration.ofSeconds(20));
    assertThat(lease.current().usableUntil()).isEqualTo(time.instant().plusSeconds(36)); // margin = 10 % of 40 s
  }

  @Test
  void theTokensOwnRefreshHintIsHonoured() {
    credential.lifetime(Duration.ofHours(24));
    credential.refreshIn(Duration.ofHours(3));
    lease().acquire(WAIT);
    assertThat(timer.nextDelay()).isEqualTo(Duration.ofHours(3));
  }

  @Test
  void jitterSpreadsRefreshesOfIdenticalTokens() {
    List<Instant> refreshPoints = new ArrayList<>();
    for (double sample : new double[] {0.0, 0.5, 0.99}) {
      TokenRegistry c = new TokenRegistry(time, timer, Runnable::run, () -> sample);
      TokenLease l = c.register(new TokenKey(CredentialSource.of(credential), SCOPE, null),
          TokenSettings.DEFAULTS, null);
      refreshPoints.add(l.acquire(WAIT).refreshAt());
      l.close();
    }
    assertThat(refreshPoints).doesNotHaveDuplicates();
    assertThat(refreshPoints).allSatisfy(at -> assertThat(at)
        .isBetween(time.instant().plus(Duration.ofHours(12)), time.instant().plus(Duration.ofHours(24))));
  }

  @Test
  void anExpiredTokenIsNeverHandedOut() {
    credential.lifetime(Duration.ofMinutes(10));
    TokenLease lease = lease();
    CachedToken first = lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("endpoint down"));
    time.advance(Duration.ofMinutes(10).minusSeconds(29)); // inside the 30 s margin
    assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
    assertThat(first.isUsable(time.instant())).isFalse();
  }

  // 3. Refresh happens off the connection path -----------------------------------------------------------

  @Test
  void theBackgroundTimerRefreshesWithoutAnyReader() {
    TokenLease lease = lease();
    CachedToken first = lease.acquire(WAIT);
    time.advance(Duration.ofHours(12));

    assertThat(timer.runDue()).isEqualTo(1);

    assertThat(credential.requests()).isEqualTo(2);
    assertThat(lease.current().accessToken()).isNotEqualTo(first.accessToken());
  }

  @Test
  void aReadPastTheRefreshPointStartsARefreshAndDoesNotWaitForIt() throws Exception {
    useRealThreadsForRequests();
    TokenLease lease = lease();
    CachedToken first = lease.acquire(WAIT);
    time.advance(Duration.ofHours(13)); // the timer has not run (a starved host)
    credential.block();

    long started = System.nanoTime();
    CachedToken during = lease.acquire(WAIT);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(during.accessToken()).isEqualTo(first.accessToken());
    assertThat(tookMs).as("a reader never waits for a refresh").isLessThan(1_000);
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(first.accessToken()); // still in flight: no 2nd request
    credential.release();
    awaitTrue(() -> !lease.current().accessToken().equals(first.accessToken()));
    assertThat(credential.requests()).isEqualTo(2);
  }

  // 4. Single flight --------------------------------------------------------------------------------------

  @Test
  void anyNumberOfThreadsOnAnEmptyCacheCauseExactlyOneRequest() throws Exception {
    useRealThreadsForRequests();
    TokenLease lease = lease();
    CountDownLatch gate = credential.block();
    int callers = 64;
    CountDownLatch ready = new CountDownLatch(callers);
    List<Future<CachedToken>> results = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      results.add(threads.submit(() -> {
        ready.countDown();
        return lease.acquire(Duration.ofSeconds(10));
      }));
    }
    assertThat(ready.await(5, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(100); // let every caller reach the cache while the one request is blocked
    credential.release();

    for (Future<CachedToken> r : results) {
      assertThat(r.get(10, TimeUnit.SECONDS).accessToken()).isEqualTo("token-1");
    }
    assertThat(credential.requests()).isEqualTo(1);
    assertThat(gate.getCount()).isZero();
  }

  // 5. Failed refresh: keep serving, back off ---------------------------------------------------------------

  @Test
  void aFailedRefreshKeepsTheValidTokenServingAndRetriesWithBackoff() {
    TokenLease lease = lease();
    CachedToken first = lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("HTTP 503 from the identity endpoint"));
    time.advance(Duration.ofHours(12));
    timer.runDue(); // refresh attempt 1 fails

    assertThat(credential.requests()).isEqualTo(2);
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(first.accessToken());

    // Backoff (random sample 0 = half the nominal delay): 0.5 s, 1 s, 2 s, 4 s, ... capped at 15 s
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Duration d = timer.nextDelay();
      delays.add(d);
      time.advance(d);
      timer.runDue();
    }
    assertThat(delays).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(15),
        Duration.ofSeconds(15));
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(first.accessToken());

    credential.succeed();
    time.advance(timer.nextDelay());
    timer.runDue();
    assertThat(lease.current().accessToken()).isNotEqualTo(first.accessToken());
  }

  @Test
  void whateverTheLoadTheEndpointSeesAFewRequestsASecondAtMost() {
    TokenLease lease = lease();
    lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("HTTP 500"));
    time.advance(Duration.ofHours(12));

    // 60 simulated seconds, 1000 reads per simulated second, timer running as it should
    for (int ms = 0; ms < 60_000; ms++) {
      lease.acquire(WAIT);
      time.advance(Duration.ofMillis(1));
      timer.runDue();
    }
    // backoff 0.5+1+2+4+8+15+15+15 s ... => about 10 requests in a minute
    assertThat(credential.requests() - 1).isBetween(5, 12);
  }

  // 6. No valid token and a failing endpoint: fail fast, clearly -------------------------------------------

  @Test
  void withoutATokenAFailingEndpointFailsTheCallerWithCredentialScopeAndCause() {
    CredentialSource source = CredentialSource.of("managed-identity|c1|", "ManagedIdentityCredential (client c1)",
        () -> credential);
    TokenLease lease = lease(source, SCOPE);
    credential.failWith(new IllegalStateException("ManagedIdentityCredential authentication unavailable. "
        + "No Managed Identity endpoint found."));

    assertThatThrownBy(() -> lease.acquire(WAIT))
        .isInstanceOf(TokenUnavailableException.class)
        .hasMessageContaining("ManagedIdentityCredential (client c1)")
        .hasMessageContaining(SCOPE)
        .hasMessageContaining("No Managed Identity endpoint found");
  }

  @Test
  void whileBackingOffCallersFailAtOnceWithoutARequest() {
    TokenLease lease = lease();
    credential.failWith(new IllegalStateException("HTTP 500"));
    assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);

    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> lease.acquire(WAIT))
          .isInstanceOf(TokenUnavailableException.class)
          .hasMessageContaining("next attempt in")
          .hasMessageContaining("HTTP 500");
    }
    assertThat(credential.requests()).isEqualTo(1);

    credential.succeed();
    time.advance(timer.nextDelay());
    timer.runDue(); // the timer heals the cache without a reader
    assertThat(credential.requests()).isEqualTo(2);
    assertThat(lease.current()).isNotNull();
  }

  @Test
  void afterTheFirstTokenAHangingEndpointFailsTheCallerWithinItsTimeout() {
    useRealThreadsForRequests();
    credential.lifetime(Duration.ofMinutes(10));
    TokenLease lease = lease();
    lease.acquire(WAIT);
    time.advance(Duration.ofMinutes(10)); // the token expired; the timer did not run
    credential.block();

    long started = System.nanoTime();
    assertThatThrownBy(() -> lease.acquire(Duration.ofMillis(300)))
        .isInstanceOf(TokenUnavailableException.class)
        .hasMessageContaining("within 300 ms")
        .hasMessageContaining(SCOPE);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000);
  }

  @Test
  void theFirstTokenIsWaitedForAsLongAsTheFetchTimeoutNotOnlyTheCallersTimeout() throws Exception {
    useRealThreadsForRequests();
    TokenLease lease = lease();
    CountDownLatch gate = credential.block();

    // the caller allows 50 ms, but a pool's first token may take as long as a request may take (20 s)
    Future<CachedToken> first = threads.submit(() -> lease.acquire(Duration.ofMillis(50)));
    awaitTrue(() -> credential.requests() == 1);
    Thread.sleep(200); // longer than the caller's own timeout
    assertThat(first).as("still waiting for the first token").isNotDone();
    gate.countDown();
    assertThat(first.get(5, TimeUnit.SECONDS).accessToken()).isEqualTo("token-1");
  }

  @Test
  void theFirstTokenWaitEndsWithTheFetchTimeoutOnTheLibrarysTimer() throws Exception {
    useRealThreadsForRequests();
    TokenLease lease = lease();
    credential.block();

    Future<CachedToken> first = threads.submit(() -> lease.acquire(Duration.ofMillis(50)));
    awaitTrue(() -> credential.requests() == 1);
    time.advance(TokenSettings.DEFAULTS.fetchTimeout());
    assertThat(timer.runDue()).as("the fetch timeout is a task of the library's timer").isEqualTo(1);
    assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TokenUnavailableException.class)
        .hasMessageContaining("did not answer within the token fetch timeout (20000 ms)");
  }


  @Test
  void aMessageNeverContainsAToken() {
    TokenLease lease = lease();
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl";
    credential.failWith(new IllegalStateException("bad response body {\"access_token\":\"" + jwt + "\"}"));
    assertThatThrownBy(() -> lease.acquire(WAIT))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(jwt).contains("[token redacted]"));
    assertThat(lease.toString()).doesNotContain("token-");
  }

  // 7. A token the database refused -------------------------------------------------------------------------

  @Test
  void aRefusedCachedTokenIsReplacedByExactlyOneFreshToken() {
    TokenLease lease = lease();
    CachedToken refused = lease.acquire(WAIT);

    CachedToken fresh = lease.replaceRejected(refused, WAIT);

    assertThat(fresh.accessToken()).isNotEqualTo(refused.accessToken());
    assertThat(credential.requests()).isEqualTo(2);
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(fresh.accessToken());
  }

  @Test
  void manyConnectionsRefusedWithTheSameTokenCauseOneFreshToken() throws Exception {
    useRealThreadsForRequests();
    TokenLease lease = lease();
    CachedToken refused = lease.acquire(WAIT);
    credential.block();
    List<CompletableFuture<CachedToken>> retries = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      retries.add(CompletableFuture.supplyAsync(() -> lease.replaceRejected(refused, Duration.ofSeconds(10)), threads));
    }
    Thread.sleep(100);
    credential.release();
    for (CompletableFuture<CachedToken> r : retries) {
      assertThat(r.get(10, TimeUnit.SECONDS).accessToken()).isEqualTo("token-2");
    }
    assertThat(credential.requests()).isEqualTo(2);
  }

  @Test
  void aTokenAlreadyReplacedByARefreshNeedsNoRequest() {
    TokenLease lease = lease();
    CachedToken old = lease.acquire(WAIT);
    time.advance(Duration.ofHours(12));
    timer.runDue();
    assertThat(credential.requests()).isEqualTo(2);

    CachedToken retry = lease.replaceRejected(old, WAIT);

    assertThat(retry.accessToken()).isEqualTo("token-2");
    assertThat(credential.requests()).isEqualTo(2);
  }

  @Test
  void aFreshTokenThatIsRefusedAgainIsNotReplacedAgainAtOnce() {
    TokenLease lease = lease();
    CachedToken first = lease.acquire(WAIT);
    CachedToken fresh = lease.replaceRejected(first, WAIT);

    assertThat(lease.replaceRejected(fresh, WAIT)).isNull();
    assertThat(credential.requests()).isEqualTo(2);

    time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
    assertThat(lease.replaceRejected(fresh, WAIT)).isNotNull();
    assertThat(credential.requests()).isEqualTo(3);
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
