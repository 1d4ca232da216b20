package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A refused token is forgotten for good, whichever way its refusal went (joining a request, starting one,
 * or while resting) and even when the replacement request fails: it is never handed out again, and the
 * token that finally follows it is not reported as a refresh of it.
 */
class SharedTokenRefusalTest {

  private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeTime time = new FakeTime();
  private final ManualTimer timer = new ManualTimer(time);
  private final FakeCredential credential = new FakeCredential(time);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<TokenLease> leases = new ArrayList<>();
  private final List<TokenInfo> fetched = new CopyOnWriteArrayList<>();
  private final TokenListener listener = new TokenListener() {
    @Override
    public void onTokenFetched(TokenInfo info) {
      fetched.add(info);
    }
  };

  @AfterEach
  void tearDown() {
    credential.release();
    leases.forEach(TokenLease::close);
    threads.shutdownNow();
  }

  private TokenLease lease(FetchExecutor executor) {
    TokenRegistry registry = new TokenRegistry(time, timer, executor, () -> 0.0);
    TokenLease lease = registry.register(new TokenKey(CredentialSource.of(credential), SCOPE, null),
        TokenSettings.DEFAULTS, listener);
    leases.add(lease);
    return lease;
  }

  @Test
  void aRefusedTokenWhoseReplacementFailedIsNotHandedOutAgain() {
    TokenLease lease = lease(Runnable::run);
    CachedToken refused = lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("endpoint down"));
    assertThatThrownBy(() -> lease.replaceRejected(refused, WAIT)).isInstanceOf(TokenUnavailableException.class);

    assertThatThrownBy(() -> lease.acquire(WAIT)).isInstanceOf(TokenUnavailableException.class)
        .hasMessageContaining("next attempt in 500 ms");

    time.advance(Duration.ofMillis(500));
    credential.succeed();
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
    assertThat(fetched.get(fetched.size() - 1).refresh()).as("it follows a refused token, not a valid one").isFalse();
  }

  @Test
  void aTokenRefusedWhileRestingIsNotReportedAsRefreshedByItsSuccessor() {
    TokenLease lease = lease(Runnable::run);
    CachedToken refused = lease.acquire(WAIT);
    credential.failWith(new IllegalStateException("endpoint down"));
    time.advance(Duration.ofHours(12));
    timer.runDue(); // the refresh fails: resting for 500 ms
    assertThatThrownBy(() -> lease.replaceRejected(refused, WAIT)).isInstanceOf(TokenUnavailableException.class);

    time.advance(Duration.ofMillis(500));
    credential.succeed();
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
    assertThat(fetched).hasSize(2);
    assertThat(fetched.get(1).refresh()).as("it follows a refused token, not a valid one").isFalse();
  }

  @Test
  void aRefusalThatJoinedAFailedRefreshIsRememberedAndForgotten() throws Exception {
    TokenLease lease = lease(threads::execute);
    CachedToken refused = lease.acquire(WAIT);
    CountDownLatch gate = credential.block();
    time.advance(Duration.ofHours(12));
    timer.runDue();
    awaitTrue(() -> credential.requests() == 2);
    credential.failWith(new IllegalStateException("endpoint down"));
    CompletableFuture<CachedToken> retry = CompletableFuture.supplyAsync(() -> lease.replaceRejected(refused, WAIT), threads);
    awaitTrue(() -> lease.current() == null);
    gate.countDown();
    assertThatThrownBy(() -> retry.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(TokenUnavailableException.class);

    assertThat(lease.replaceRejected(refused, WAIT)).as("a replacement of that value was already requested").isNull();

    time.advance(Duration.ofMillis(500));
    credential.succeed();
    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo("token-3");
    assertThat(fetched.get(fetched.size() - 1).refresh()).as("it follows a refused token, not a valid one").isFalse();
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
