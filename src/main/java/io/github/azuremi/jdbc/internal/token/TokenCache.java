package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * The process-wide cache of access tokens, keyed by identity + scope (+ tenant), held in a Caffeine
 * {@link AsyncLoadingCache} whose entries expire when their token stops being usable. A failed first
 * request is cached too, as a {@link FailedFetch} that expires when the next attempt is due: readers get
 * the failure at once, and the endpoint sees no request until then.
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li><b>Shared.</b> All pools that {@linkplain #register register} the same {@link TokenKey} share one
 *   token and one refresh schedule. The settings of the first registration apply.</li>
 *   <li><b>Single flight.</b> While no token is cached, any number of concurrent callers of
 *   {@link TokenLease#acquire} wait for the same single request to the identity endpoint (Caffeine
 *   coalesces loads of a key; refreshes of a key are coalesced the same way).</li>
 *   <li><b>Refresh ahead, off the connection path.</b> After a token is fetched, a timer requests the next
 *   one at the point the {@link RefreshPolicy} chose; a read past that point also starts a refresh (timers
 *   starve on CPU-throttled hosts). Neither makes the reader wait: Caffeine serves the current token while
 *   the refresh runs.</li>
 *   <li><b>Failures.</b> A failed refresh keeps the valid token serving. Consecutive failures are spaced by
 *   {@link Backoff} (exponential, jittered, capped); until the next attempt is due, no request is sent,
 *   whatever the load: readers without a valid token get the last failure at once instead of queueing.
 *   The timer retries in the background, so the cache heals by itself when the endpoint does.</li>
 *   <li><b>Rejected tokens.</b> {@link TokenLease#replaceRejected} drops a token the database refused and
 *   fetches one fresh token, unless the token was already replaced (then the new one is returned without
 *   a request) or a replacement was forced less than {@link #FORCED_REFRESH_MIN_INTERVAL} ago (then the
 *   database's refusal stands: a storm of fresh tokens would not help).</li>
 * </ul>
 * All methods are thread-safe. The cache never logs a token; see {@link CachedToken#toString()}.
 */
public final class TokenCache {

  private static final Logger LOG = LoggerFactory.getLogger(TokenCache.class);

  /** After a token the database refused was replaced, another replacement is not forced for this long. */
  public static final Duration FORCED_REFRESH_MIN_INTERVAL = Duration.ofSeconds(5);

  private static final class Shared {
    static final TokenCache INSTANCE = new TokenCache(TimeSource.system(), RefreshTimer.daemon(),
        defaultFetchExecutor(), () -> ThreadLocalRandom.current().nextDouble());
  }

  private final TimeSource time;
  private final RefreshTimer timer;
  private final Executor fetchExecutor;
  private final DoubleSupplier random;
  private final AsyncLoadingCache<TokenKey, Slot> tokens;
  private final ConcurrentMap<TokenKey, Entry> entries = new ConcurrentHashMap<>();

  /**
   * @param time          both clocks
   * @param timer         runs background refreshes
   * @param fetchExecutor runs the (blocking) credential calls
   * @param random        samples in [0, 1) for jitter
   */
  public TokenCache(TimeSource time, RefreshTimer timer, Executor fetchExecutor, DoubleSupplier random) {
    this.time = Objects.requireNonNull(time);
    this.timer = Objects.requireNonNull(timer);
    this.fetchExecutor = Objects.requireNonNull(fetchExecutor);
    this.random = Objects.requireNonNull(random);
    this.tokens = Caffeine.newBuilder()
        .ticker(time)
        // Loads and refreshes hand their work to fetchExecutor themselves; Caffeine's own bookkeeping is
        // cheap enough for the calling thread, and that keeps tests deterministic.
        .executor(Runnable::run)
        .expireAfter(new UsableUntilExpiry())
        .buildAsync(new Loader());
  }

  /** The one cache of this process (per class loader). */
  public static TokenCache shared() {
    return Shared.INSTANCE;
  }

  /**
   * Starts using the token for {@code key}. The caller must {@linkplain TokenLease#close() close} the lease
   * when it stops (a pool closing); when the last lease of a key closes, its token is dropped and its
   * refresh timer stopped.
   *
   * @param listener told of every request for this key while the lease is open; may be null
   */
  public TokenLease register(TokenKey key, Settings settings, TokenListener listener) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(settings, "settings");
    Entry entry = entries.compute(key, (k, existing) -> {
      Entry e = existing != null ? existing : new Entry(k, settings);
      e.leases++;
      if (listener != null) {
        e.listeners.add(listener);
      }
      return e;
    });
    if (!entry.settings.equals(settings)) {
      LOG.debug("{}: token already shared with settings {}; the settings {} of this pool do not apply",
          key, entry.settings, settings);
    }
    return new TokenLease(this, entry, listener);
  }

  /** The number of keys in use; for tests and diagnostics. */
  public int keyCount() {
    return entries.size();
  }

  // ----------------------------------------------------------------------------------------------------
  // Lease operations

  void release(Entry entry, TokenListener listener) {
    boolean[] last = {false};
    entries.computeIfPresent(entry.key, (k, current) -> {
      if (current != entry) {
        return current;
      }
      if (listener != null) {
        current.listeners.remove(listener);
      }
      if (--current.leases > 0) {
        return current;
      }
      current.close();
      last[0] = true;
      return null;
    });
    if (last[0]) {
      tokens.synchronous().invalidate(entry.key);
      LOG.debug("{}: last pool closed; token dropped and refresh stopped", entry.key);
      if (entries.isEmpty()) {
        timer.idle();
      }
    }
  }

  CachedToken acquire(Entry entry, Duration timeout) {
    // Hot path: until its refresh point (which lies before the end of its usable time), the token last
    // fetched is served from a volatile field with one monotonic clock read, without Caffeine's
    // bookkeeping. Past it, the path below applies (expiry, read-triggered refresh, waiting, failures).
    CachedToken hot = entry.hot;
    if (hot != null && time.read() - hot.refreshAtNanos() < 0) {
      return hot;
    }
    CompletableFuture<Slot> future = tokens.get(entry.key);
    Slot slot = future.isDone() && !future.isCompletedExceptionally()
        ? future.join()
        : await(entry, future, timeout);
    CachedToken token = tokenOrThrow(entry, slot);
    if (token.isRefreshDue(time.instant())) {
      refreshUnlessResting(entry);
    }
    return token;
  }

  CachedToken replaceRejected(Entry entry, CachedToken rejected, Duration timeout) {
    CompletableFuture<Slot> toAwait;
    synchronized (entry) {
      CompletableFuture<Slot> current = tokens.getIfPresent(entry.key);
      if (current != null && !current.isDone()) {
        toAwait = current; // a fetch is already running: its token is the fresh one
      } else {
        Slot slot = current == null || current.isCompletedExceptionally() ? null : current.join();
        if (slot instanceof FailedFetch) {
          return tokenOrThrow(entry, slot); // no token to be had until the next attempt is due
        }
        CachedToken currentToken = (CachedToken) slot;
        if (currentToken != null && !currentToken.sameTokenAs(rejected)) {
          return currentToken; // already replaced by a refresh: no request needed
        }
        long now = time.read();
        if (entry.forcedAtNanos != null
            && now - entry.forcedAtNanos < FORCED_REFRESH_MIN_INTERVAL.toNanos()) {
          return null; // a fresh token was refused too: another one would not help
        }
        entry.forcedAtNanos = now;
        entry.hot = null;
        if (current != null) {
          tokens.asMap().remove(entry.key, current);
        }
        LOG.info("{}: the database refused a cached token; fetching a fresh one", entry.key);
        toAwait = tokens.get(entry.key);
      }
    }
    return tokenOrThrow(entry, await(entry, toAwait, timeout));
  }

  CachedToken current(Entry entry) {
    CompletableFuture<Slot> future = tokens.getIfPresent(entry.key);
    Slot slot = future != null && future.isDone() && !future.isCompletedExceptionally() ? future.join() : null;
    return slot instanceof CachedToken token ? token : null;
  }

  /**
   * Why no token can be handed out right now, or null when one can: for messages of callers that gave up
   * waiting before the token layer itself failed.
   */
  String unavailableReason(Entry entry) {
    CompletableFuture<Slot> future = tokens.getIfPresent(entry.key);
    if (future != null && future.isDone() && !future.isCompletedExceptionally()
        && future.join() instanceof CachedToken token && token.isUsable(time.instant())) {
      return null;
    }
    long now = time.read();
    synchronized (entry) {
      String inFlight = entry.requestStartedNanos != null
          ? "a token request has been running for " + TimeUnit.NANOSECONDS.toMillis(now - entry.requestStartedNanos) + " ms"
          : "no token request is running";
      String failures = entry.lastFailure == null ? ""
          : "; the last " + entry.failures + " request(s) failed, the last with " + Redaction.describe(entry.lastFailure)
          + (entry.nextAttemptNanos - now > 0
          ? ", next attempt in " + TimeUnit.NANOSECONDS.toMillis(entry.nextAttemptNanos - now) + " ms" : "");
      return "no access token from " + entry.key.credential() + " for scope " + entry.key.scope() + " yet: "
          + inFlight + failures;
    }
  }

  private CachedToken tokenOrThrow(Entry entry, Slot slot) {
    if (slot instanceof CachedToken token) {
      return token;
    }
    throw entry.restingFailure(time.read());
  }

  // ----------------------------------------------------------------------------------------------------
  // Fetching

  private Slot await(Entry entry, CompletableFuture<Slot> future, Duration timeout) {
    try {
      return future.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new TokenUnavailableException("Could not get an access token from " + entry.key.credential()
          + " for scope " + entry.key.scope() + " within " + timeout.toMillis()
          + " ms: the identity endpoint has not answered yet" + entry.lastFailureSuffix(), entry.lastFailure());
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof TokenUnavailableException tue) {
        throw new TokenUnavailableException(tue.getMessage(), tue.getCause());
      }
      throw unavailable(entry.key, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenUnavailableException("Interrupted while waiting for an access token from "
          + entry.key.credential() + " for scope " + entry.key.scope(), e);
    }
  }

  private void refreshUnlessResting(Entry entry) {
    if (entry.isResting(time.read())) {
      return;
    }
    // Caffeine coalesces: while a refresh of this key runs, this returns the running one.
    tokens.synchronous().refresh(entry.key);
  }

  private void onTimer(Entry entry) {
    if (entry.closed) {
      return;
    }
    CompletableFuture<Slot> current = tokens.getIfPresent(entry.key);
    if (current == null) {
      // The token expired (refreshes kept failing) or was dropped: fetch now, so that the cache heals
      // without waiting for a connection to ask.
      tokens.get(entry.key);
    } else if (current.isDone()) {
      tokens.synchronous().refresh(entry.key);
    }
  }

  /**
   * One request to the credential, unless the endpoint is resting after failures. Never completes
   * exceptionally (Caffeine would log each failure with its full cause chain, which may quote a
   * response): a failure yields the previous token if there is one, else a {@link FailedFetch}.
   */
  private CompletableFuture<Slot> fetch(TokenKey key, Slot previousSlot) {
    CachedToken previous = previousSlot instanceof CachedToken token ? token : null;
    Entry entry = entries.get(key);
    long startNanos = time.read();
    if (entry == null) {
      return CompletableFuture.completedFuture(previous != null ? previous
          : new FailedFetch(new IllegalStateException("no open data source uses " + key + " any more"), startNanos));
    }
    if (entry.isResting(startNanos)) {
      return CompletableFuture.completedFuture(previous != null ? previous : entry.failedSlot());
    }
    Instant startedAt = time.instant();
    synchronized (entry) {
      entry.requestStartedNanos = startNanos;
    }
    TokenRequestContext request = new TokenRequestContext().addScopes(key.scope());
    if (key.tenantId() != null) {
      request.setTenantId(key.tenantId());
    }
    CompletableFuture<AccessToken> call;
    try {
      call = CompletableFuture.supplyAsync(() -> key.credential().credential().getTokenSync(request), fetchExecutor);
    } catch (RuntimeException rejected) {
      call = CompletableFuture.failedFuture(rejected);
    }
    return call
        .orTimeout(entry.settings.fetchTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .handle((accessToken, error) -> complete(entry, previous, startedAt, startNanos, accessToken, error));
  }

  private Slot complete(Entry entry, CachedToken previous, Instant startedAt, long startNanos,
                        AccessToken accessToken, Throwable error) {
    synchronized (entry) {
      if (entry.requestStartedNanos != null && entry.requestStartedNanos == startNanos) {
        entry.requestStartedNanos = null;
      }
    }
    Duration latency = Duration.ofNanos(time.read() - startNanos);
    Instant now = time.instant();
    Throwable failure = Redaction.sanitize(error == null ? checkToken(accessToken, now) : unwrap(error));
    if (failure == null) {
      return succeeded(entry, previous, startedAt, latency, accessToken);
    }
    failed(entry, previous, latency, failure, now);
    return previous != null ? previous : entry.failedSlot();
  }

  private static Throwable checkToken(AccessToken token, Instant now) {
    if (token == null || token.getToken() == null || token.getToken().isEmpty()) {
      return new IllegalStateException("the credential returned no access token");
    }
    if (token.getExpiresAt() == null) {
      return new IllegalStateException("the credential returned a token without an expiry");
    }
    if (!token.getExpiresAt().toInstant().isAfter(now)) {
      return new IllegalStateException("the credential returned a token that had already expired (at "
          + token.getExpiresAt().toInstant() + "); check the clock of this host");
    }
    return null;
  }

  private CachedToken succeeded(Entry entry, CachedToken previous, Instant startedAt, Duration latency,
                                AccessToken accessToken) {
    Instant expiresAt = accessToken.getExpiresAt().toInstant();
    Instant hint = accessToken.getRefreshAt() == null ? null : accessToken.getRefreshAt().toInstant();
    RefreshPolicy.Schedule schedule = entry.settings.policy().schedule(startedAt, expiresAt, hint, random.getAsDouble());
    long nowNanos = time.read();
    CachedToken token = new CachedToken(accessToken.getToken(), startedAt, expiresAt, schedule,
        nowNanos + Duration.between(time.instant(), schedule.refreshAt()).toNanos());
    int failuresBefore;
    synchronized (entry) {
      entry.hot = token;
      failuresBefore = entry.failures;
      entry.failures = 0;
      entry.lastFailure = null;
      entry.failedSlot = null;
      entry.nextAttemptNanos = 0;
    }
    boolean refresh = previous != null && previous.isUsable(time.instant());
    if (previous == null && failuresBefore == 0) {
      LOG.info("{}: token fetched in {} ms; expires at {}, refresh at {}", entry.key, latency.toMillis(),
          expiresAt, schedule.refreshAt());
    } else {
      LOG.debug("{}: token {} in {} ms{}; expires at {}, refresh at {}", entry.key,
          refresh ? "refreshed" : "fetched", latency.toMillis(),
          failuresBefore > 0 ? " after " + failuresBefore + " failed attempt(s)" : "", expiresAt, schedule.refreshAt());
    }
    entry.schedule(Duration.between(time.instant(), schedule.refreshAt()).toNanos());
    TokenInfo info = new TokenInfo(entry.key.credential().description(), entry.key.scope(), startedAt, expiresAt, schedule.refreshAt(), schedule.usableUntil(),
        latency, refresh);
    for (TokenListener listener : entry.listeners) {
      try {
        listener.onTokenFetched(info);
      } catch (RuntimeException e) {
        LOG.debug("{}: token listener failed", entry.key, e);
      }
    }
    return token;
  }

  private void failed(Entry entry, CachedToken previous, Duration latency, Throwable failure, Instant now) {
    int failures;
    long delayNanos;
    synchronized (entry) {
      failures = ++entry.failures;
      delayNanos = entry.settings.backoff().delayNanos(failures, random.getAsDouble());
      entry.nextAttemptNanos = time.read() + delayNanos;
      entry.lastFailure = failure;
      entry.failedSlot = new FailedFetch(failure, entry.nextAttemptNanos);
    }
    boolean validCached = previous != null && previous.isUsable(now);
    LOG.warn("{}: token request failed ({} in a row) after {} ms: {}; next attempt in {} ms; {}", entry.key,
        failures, latency.toMillis(), Redaction.describe(failure), TimeUnit.NANOSECONDS.toMillis(delayNanos),
        validCached ? "the cached token, valid until " + previous.usableUntil() + ", stays in use"
            : "no valid token: new connections fail until a request succeeds");
    entry.schedule(delayNanos);
    for (TokenListener listener : entry.listeners) {
      try {
        listener.onTokenFetchFailed(new TokenFetchFailure(entry.key.credential().description(), entry.key.scope(),
            failure, latency, failures, Duration.ofNanos(delayNanos), validCached));
      } catch (RuntimeException e) {
        LOG.debug("{}: token listener failed", entry.key, e);
      }
    }
  }

  static TokenUnavailableException unavailable(TokenKey key, Throwable cause) {
    if (cause instanceof TokenUnavailableException tue) {
      return tue;
    }
    return new TokenUnavailableException("Could not get an access token from " + key.credential()
        + " for scope " + key.scope() + ": " + Redaction.describe(cause), cause);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException) {
      return new TimeoutException("the identity endpoint did not answer within the token fetch timeout");
    }
    return t;
  }

  private static Executor defaultFetchExecutor() {
    AtomicInteger n = new AtomicInteger();
    // Bounded: requests are single-flight per key, so more than a few in flight means hung calls.
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, 32, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "managed-identity-token-fetch-" + n.incrementAndGet());
      t.setDaemon(true);
      t.setContextClassLoader(TokenCache.class.getClassLoader());
      return t;
    });
    return executor;
  }

  // ----------------------------------------------------------------------------------------------------

  /** The settings of one key's token: refresh timing, backoff and the time a request may take. */
  public record Settings(RefreshPolicy policy, Backoff backoff, Duration fetchTimeout) {
    public Settings {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(backoff, "backoff");
      Objects.requireNonNull(fetchTimeout, "fetchTimeout");
    }

    public static Settings defaults() {
      return new Settings(RefreshPolicy.defaults(), Backoff.defaults(), Duration.ofSeconds(20));
    }
  }

  /** Per-key state besides the token: leases, listeners, failures, the refresh timer. */
  final class Entry {
    final TokenKey key;
    final Settings settings;
    final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    int leases; // guarded by the entries map's compute
    volatile boolean closed;
    // guarded by this
    int failures;
    long nextAttemptNanos;
    Throwable lastFailure;
    FailedFetch failedSlot;
    /** The token last fetched, for the hot path of acquire; null after it was refused. */
    volatile CachedToken hot;
    Long requestStartedNanos;
    Long forcedAtNanos;
    Future<?> pending;

    Entry(TokenKey key, Settings settings) {
      this.key = key;
      this.settings = settings;
    }

    synchronized boolean isResting(long nowNanos) {
      return lastFailure != null && nowNanos - nextAttemptNanos < 0;
    }

    synchronized TokenUnavailableException restingFailure(long nowNanos) {
      if (lastFailure == null) {
        return new TokenUnavailableException("Could not get an access token from " + key.credential()
            + " for scope " + key.scope(), null);
      }
      long waitMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nextAttemptNanos - nowNanos));
      return new TokenUnavailableException("Could not get an access token from " + key.credential()
          + " for scope " + key.scope() + ": the last " + failures + " request(s) failed, the last with "
          + Redaction.describe(lastFailure) + "; next attempt in " + waitMs + " ms", lastFailure);
    }

    synchronized FailedFetch failedSlot() {
      return failedSlot != null ? failedSlot
          : new FailedFetch(new IllegalStateException("no token yet"), time.read());
    }

    synchronized Throwable lastFailure() {
      return lastFailure;
    }

    synchronized String lastFailureSuffix() {
      return lastFailure == null ? "" : "; the previous request failed with " + Redaction.describe(lastFailure);
    }

    synchronized void schedule(long delayNanos) {
      if (closed) {
        return;
      }
      if (pending != null) {
        pending.cancel(false);
      }
      pending = timer.schedule(() -> onTimer(this), Math.max(0, delayNanos));
    }

    synchronized void close() {
      closed = true;
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }
  }

  /** Entries expire when their token stops being usable, so Caffeine never returns a stale token. */
  private final class UsableUntilExpiry implements Expiry<TokenKey, Slot> {
    @Override
    public long expireAfterCreate(TokenKey key, Slot slot, long currentTime) {
      if (slot instanceof FailedFetch failed) {
        return Math.max(0, failed.retryAtNanos() - time.read());
      }
      return Math.max(0, Duration.between(time.instant(), ((CachedToken) slot).usableUntil()).toNanos());
    }

    @Override
    public long expireAfterUpdate(TokenKey key, Slot slot, long currentTime, long currentDuration) {
      return expireAfterCreate(key, slot, currentTime);
    }

    @Override
    public long expireAfterRead(TokenKey key, Slot slot, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  private final class Loader implements AsyncCacheLoader<TokenKey, Slot> {
    @Override
    public CompletableFuture<? extends Slot> asyncLoad(TokenKey key, Executor executor) {
      return fetch(key, null);
    }

    @Override
    public CompletableFuture<? extends Slot> asyncReload(TokenKey key, Slot old, Executor executor) {
      return fetch(key, old);
    }
  }

  /** What the cache holds for a key: a token, or the failure of the last request until the next is due. */
  sealed interface Slot permits CachedToken, FailedFetch {}

  /** A failed first request, cached until {@code retryAtNanos} so that readers do not re-ask the endpoint. */
  record FailedFetch(Throwable cause, long retryAtNanos) implements Slot {
    @Override
    public String toString() {
      return "FailedFetch{" + Redaction.describe(cause) + '}';
    }
  }
}
