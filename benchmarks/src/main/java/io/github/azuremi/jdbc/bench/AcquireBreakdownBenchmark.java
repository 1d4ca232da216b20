package io.github.azuremi.jdbc.bench;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshPolicy;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Diagnostic, not a target: where the time of a cache hit ({@link TokenLease#acquire}) goes, to explain its
 * distance from a bare Caffeine hit. One thread. Pieces:
 * <ul>
 *   <li>{@code leaseAcquire}: the library's cache hit (as in {@link TokenSupplyBenchmark}), with a
 *   credential that needs no network;</li>
 *   <li>{@code caffeineAsyncGet}: a Caffeine {@code AsyncLoadingCache} built like the library's (variable
 *   expiry, a ticker, same-thread executor), {@code get} + {@code isDone} + {@code join};</li>
 *   <li>{@code caffeineSyncGetIfPresent}: a plain Caffeine {@code Cache} without expiry: the often quoted
 *   "10-15 ns Caffeine hit";</li>
 *   <li>{@code instantNow}, {@code nanoTime}: the clock reads ({@code acquire} reads the wall clock to decide
 *   whether a refresh is due; Caffeine reads its ticker for expiry);</li>
 *   <li>{@code volatileTokenAndDeadline}: what a fast path could cost: one volatile read of the current token
 *   and a monotonic-clock comparison with its refresh deadline.</li>
 * </ul>
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar AcquireBreakdownBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class AcquireBreakdownBenchmark {

  private TokenLease lease;
  private TokenKey key;
  private AsyncLoadingCache<TokenKey, Object> asyncCache;
  private Cache<TokenKey, Object> syncCache;
  private volatile Holder current;

  private record Holder(CachedToken token, long refreshAtNanos) {}

  @Setup(Level.Trial)
  public void setUp() {
    key = new TokenKey(CredentialSource.of(Caches.staticCredential()), Endpoints.OSSRDBMS_SCOPE, null);
    lease = Caches.newRegistry().register(key, TokenSettings.DEFAULTS, null);
    CachedToken token = lease.acquire(Duration.ofSeconds(5));

    asyncCache = Caffeine.newBuilder()
        .ticker(System::nanoTime)
        .executor(Runnable::run)
        .expireAfter(new Expiry<TokenKey, Object>() {
          @Override
          public long expireAfterCreate(TokenKey k, Object v, long now) {
            return TimeUnit.HOURS.toNanos(1);
          }

          @Override
          public long expireAfterUpdate(TokenKey k, Object v, long now, long currentDuration) {
            return TimeUnit.HOURS.toNanos(1);
          }

          @Override
          public long expireAfterRead(TokenKey k, Object v, long now, long currentDuration) {
            return currentDuration;
          }
        })
        .buildAsync((k, executor) -> CompletableFuture.completedFuture(token));
    asyncCache.get(key).join();
    syncCache = Caffeine.newBuilder().build();
    syncCache.put(key, token);
    current = new Holder(token, System.nanoTime() + TimeUnit.HOURS.toNanos(1));
    RefreshPolicy.defaults(); // loaded like the library's
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    lease.close();
  }

  @Benchmark
  public CachedToken leaseAcquire() {
    return lease.acquire(TokenSupplyBenchmark.TIMEOUT);
  }

  @Benchmark
  public Object caffeineAsyncGet() {
    CompletableFuture<Object> f = asyncCache.get(key);
    return f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
  }

  @Benchmark
  public Object caffeineSyncGetIfPresent() {
    return syncCache.getIfPresent(key);
  }

  @Benchmark
  public Instant instantNow() {
    return Instant.now();
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public CachedToken volatileTokenAndDeadline() {
    Holder h = current;
    return System.nanoTime() - h.refreshAtNanos() < 0 ? h.token() : null;
  }
}
