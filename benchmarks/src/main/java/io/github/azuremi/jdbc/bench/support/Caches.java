package io.github.azuremi.jdbc.bench.support;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TimeSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import reactor.core.publisher.Mono;

import java.time.OffsetDateTime;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Token registries and credentials as the library builds them, but private to one benchmark. */
public final class Caches {

  private static final AtomicInteger THREADS = new AtomicInteger();
  /** Like the library's fetch executor: daemon threads, created on demand. */
  private static final ExecutorService FETCH_EXECUTOR = new ThreadPoolExecutor(0, 64, 60, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "bench-token-fetch-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      });

  private Caches() {}

  /** A token registry with the production clocks, timer and jitter, and nothing in it. */
  public static TokenRegistry newRegistry() {
    return new TokenRegistry(TimeSource.system(), RefreshTimer.daemon(), FETCH_EXECUTOR::execute,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * azure-identity's ManagedIdentityCredential for the system-assigned identity: with IDENTITY_ENDPOINT and
   * IDENTITY_HEADER set, MSAL4J talks to the local endpoint with the App Service protocol.
   */
  public static TokenCredential managedIdentityCredential() {
    return new ManagedIdentityCredentialBuilder().build();
  }

  /** A credential without network: one fixed token, valid for a day. For benchmarks that never fetch. */
  public static TokenCredential staticCredential() {
    AccessToken token = new AccessToken(Postgres.randomPassword(1400), OffsetDateTime.now().plusDays(1));
    return new TokenCredential() {
      @Override
      public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.just(token);
      }

      @Override
      public AccessToken getTokenSync(TokenRequestContext request) {
        return token;
      }
    };
  }

  public static TokenRequestContext request(String scope) {
    return new TokenRequestContext().addScopes(scope);
  }
}
