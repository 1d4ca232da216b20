package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TokenCredential for unit tests: issues "token-N" living {@code lifetime} on the fake clock, counts
 * requests, can fail or block until released.
 */
final class FakeCredential implements TokenCredential {

  private final FakeTime time;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<String> scopes = new CopyOnWriteArrayList<>();
  private volatile Duration lifetime = Duration.ofHours(24);
  private volatile Duration refreshIn;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private volatile CountDownLatch gate;

  FakeCredential(FakeTime time) {
    this.time = time;
  }

  @Override
  public Mono<AccessToken> getToken(TokenRequestContext request) {
    return Mono.fromCallable(() -> getTokenSync(request));
  }

  @Override
  public AccessToken getTokenSync(TokenRequestContext request) {
    int n = requests.incrementAndGet();
    scopes.addAll(request.getScopes());
    CountDownLatch g = gate;
    if (g != null) {
      try {
        if (!g.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    RuntimeException f = failure.get();
    if (f != null) {
      throw f;
    }
    OffsetDateTime now = OffsetDateTime.ofInstant(time.instant(), ZoneOffset.UTC);
    OffsetDateTime refreshAt = refreshIn == null ? null : now.plus(refreshIn);
    return new AccessToken("token-" + n, now.plus(lifetime), refreshAt);
  }

  int requests() {
    return requests.get();
  }

  List<String> scopes() {
    return scopes;
  }

  void lifetime(Duration d) {
    lifetime = d;
  }

  void refreshIn(Duration d) {
    refreshIn = d;
  }

  void failWith(RuntimeException e) {
    failure.set(e);
  }

  void succeed() {
    failure.set(null);
  }

  /** Requests block until {@link #release()}. */
  CountDownLatch block() {
    gate = new CountDownLatch(1);
    return gate;
  }

  void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }
}
