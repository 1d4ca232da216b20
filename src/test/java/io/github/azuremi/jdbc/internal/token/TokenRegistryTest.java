package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.SCOPE;
import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static io.github.azuremi.jdbc.internal.token.TokenRig.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The token registry's behaviour, specified on the rig (fake clock, hand-run timer, fake credential):
 * nothing here sleeps, except where real threads must meet.
 */
class TokenRegistryTest {

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final FakeCredential credential = rig.credential();

    private TokenLease lease(CredentialSource source, String scope) {
        return rig.lease(new TokenKey(source, scope, null), TokenSettings.DEFAULTS, null);
    }

    /** Token requests on real threads instead of the caller's (called before the test's first lease). */
    private void useRealThreadsForRequests() {
        rig.fetchOnThreads();
    }

    // 1. One cache per process, keyed by identity + scope (+ tenant) ---------------------------------------

    @Test
    void poolsOfTheSameIdentityAndScopeShareOneToken() {
        TokenLease first = rig.lease();
        TokenLease second = rig.lease();

        CachedToken a = first.acquire(WAIT);
        CachedToken b = second.acquire(WAIT);

        assertThat(b.accessToken()).isEqualTo(a.accessToken());
        assertThat(credential.requests()).isEqualTo(1);
        assertThat(rig.registry().keyCount()).isEqualTo(1);
    }

    @Test
    void anotherScopeOrTenantIsAnotherToken() {
        CredentialSource source = CredentialSource.of(credential);
        lease(source, SCOPE).acquire(WAIT);
        lease(source, "https://database.windows.net/.default").acquire(WAIT);
        TokenLease tenant =
                rig.lease(new TokenKey(source, SCOPE, "contoso.onmicrosoft.com"), TokenSettings.DEFAULTS, null);
        tenant.acquire(WAIT);

        assertThat(credential.requests()).isEqualTo(3);
        assertThat(credential.scopes()).containsExactly(SCOPE, "https://database.windows.net/.default", SCOPE);
    }

    @Test
    void aKeysTenantIsAskedForAndAKeyWithoutTenantAsksForNone() {
        rig.lease(new TokenKey(CredentialSource.of(credential), SCOPE, "tenant-a"), TokenSettings.DEFAULTS, null)
                .acquire(WAIT);
        rig.lease().acquire(WAIT);
        assertThat(credential.tenants()).containsExactly("tenant-a", "null");
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
        TokenLease first = rig.lease();
        TokenLease second = rig.lease();
        first.acquire(WAIT);
        assertThat(timer.liveTasks()).isEqualTo(1);

        first.close();
        assertThat(timer.liveTasks()).isEqualTo(1);
        assertThat(second.current()).isNotNull();

        second.close();
        assertThat(timer.liveTasks()).isZero();
        assertThat(rig.registry().keyCount()).isZero();
        assertThatThrownBy(() -> second.acquire(WAIT)).isInstanceOf(IllegalStateException.class);
    }

    // 2. Refresh ahead of expiry, from each token's own expiry ---------------------------------------------

    @Test
    void refreshIsScheduledAtHalfOfEachTokensOwnLifetime() {
        credential.lifetime(Duration.ofHours(24));
        TokenLease lease = rig.lease();
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
        rig.lease().acquire(WAIT);
        assertThat(timer.nextDelay()).isEqualTo(Duration.ofHours(3));
    }

    @Test
    void jitterSpreadsRefreshesOfIdenticalTokens() {
        List<Instant> refreshPoints = new ArrayList<>();
        for (double sample : new double[] {0.0, 0.5, 0.99}) {
            TokenLease l = rig.lease(rig.newRegistry(() -> sample), rig.key(), TokenSettings.DEFAULTS, null);
            refreshPoints.add(l.acquire(WAIT).refreshAt());
            l.close();
        }
        assertThat(refreshPoints).doesNotHaveDuplicates();
        assertThat(refreshPoints)
                .allSatisfy(at -> assertThat(at)
                        .isBetween(
                                time.instant().plus(Duration.ofHours(12)),
                                time.instant().plus(Duration.ofHours(24))));
    }

    @Test
    void anExpiredTokenIsNeverHandedOut() {
        credential.lifetime(Duration.ofMinutes(10));
        TokenLease lease = rig.lease();
        CachedToken first = lease.acquire(WAIT);
        credential.failWith(new IllegalStateException("endpoint down"));
        time.advance(Duration.ofMinutes(10).minusSeconds(29)); // inside the 30 s margin
        assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class);
        assertThat(first.isUsable(time.instant())).isFalse();
    }

    // 3. Refresh happens off the connection path -----------------------------------------------------------

    @Test
    void theBackgroundTimerRefreshesWithoutAnyReader() {
        TokenLease lease = rig.lease();
        CachedToken first = lease.acquire(WAIT);
        time.advance(Duration.ofHours(12));

        assertThat(timer.runDue()).isEqualTo(1);

        assertThat(credential.requests()).isEqualTo(2);
        assertThat(lease.current().accessToken()).isNotEqualTo(first.accessToken());
    }

    @Test
    void aReadPastTheRefreshPointStartsARefreshAndDoesNotWaitForIt() throws Exception {
        useRealThreadsForRequests();
        TokenLease lease = rig.lease();
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
        TokenLease lease = rig.lease();
        CountDownLatch gate = credential.block();
        int callers = 64;
        CountDownLatch ready = new CountDownLatch(callers);
        List<Future<CachedToken>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(rig.threads().submit(() -> {
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
        TokenLease lease = rig.lease();
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
        assertThat(delays)
                .containsExactly(
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(15),
                        Duration.ofSeconds(15));
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(first.accessToken());

        credential.succeed();
        time.advance(timer.nextDelay());
        timer.runDue();
        assertThat(lease.current().accessToken()).isNotEqualTo(first.accessToken());
    }

    @Test
    void whateverTheLoadTheEndpointSeesAFewRequestsASecondAtMost() {
        TokenLease lease = rig.lease();
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
        CredentialSource source =
                CredentialSource.of("managed-identity|c1|", "ManagedIdentityCredential (client c1)", () -> credential);
        TokenLease lease = lease(source, SCOPE);
        credential.failWith(new IllegalStateException(
                "ManagedIdentityCredential authentication unavailable. " + "No Managed Identity endpoint found."));

        assertThatThrownBy(() -> lease.acquire(WAIT))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("ManagedIdentityCredential (client c1)")
                .hasMessageContaining(SCOPE)
                .hasMessageContaining("No Managed Identity endpoint found");
    }

    @Test
    void whileBackingOffCallersFailAtOnceWithoutARequest() {
        TokenLease lease = rig.lease();
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
    void aMessageNeverContainsAToken() {
        TokenLease lease = rig.lease();
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl";
        credential.failWith(new IllegalStateException("bad response body {\"access_token\":\"" + jwt + "\"}"));
        assertThatThrownBy(() -> lease.acquire(WAIT))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(jwt).contains("[token redacted]"));
        assertThat(lease.toString()).doesNotContain("token-");
    }

    // 7. A token the database refused -------------------------------------------------------------------------

    @Test
    void aRefusedCachedTokenIsReplacedByExactlyOneFreshToken() {
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);

        CachedToken fresh = lease.replaceRejected(refused, WAIT);

        assertThat(fresh.accessToken()).isNotEqualTo(refused.accessToken());
        assertThat(credential.requests()).isEqualTo(2);
        assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(fresh.accessToken());
    }

    @Test
    void manyConnectionsRefusedWithTheSameTokenCauseOneFreshToken() throws Exception {
        useRealThreadsForRequests();
        TokenLease lease = rig.lease();
        CachedToken refused = lease.acquire(WAIT);
        credential.block();
        List<CompletableFuture<CachedToken>> retries = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            retries.add(CompletableFuture.supplyAsync(
                    () -> lease.replaceRejected(refused, Duration.ofSeconds(10)), rig.threads()));
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
        TokenLease lease = rig.lease();
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
        TokenLease lease = rig.lease();
        CachedToken first = lease.acquire(WAIT);
        CachedToken fresh = lease.replaceRejected(first, WAIT);

        assertThat(lease.replaceRejected(fresh, WAIT)).isNull();
        assertThat(credential.requests()).isEqualTo(2);

        time.advance(SharedToken.FORCED_REFRESH_MIN_INTERVAL);
        assertThat(lease.replaceRejected(fresh, WAIT)).isNotNull();
        assertThat(credential.requests()).isEqualTo(3);
    }
}
