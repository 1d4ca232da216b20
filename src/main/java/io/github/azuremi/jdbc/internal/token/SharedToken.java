package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token of one identity and scope, shared by every pool that uses them: it owns the token, the
 * request in flight, the failure and backoff state and the refresh schedule. What the pools get from it
 * (single flight, refresh ahead, failures, refused tokens, the first token) is told in {@link TokenLease}.
 *
 * <h2>Where the token lives</h2>
 * The {@linkplain TokenRegistry#store() store} (Caffeine, keyed by this object) holds the current token
 * and drops it when its usable time ends. {@link #hot} mirrors it for the hot path: it is written only
 * after the store (publish: store, then hot) and cleared before the store (refusal: hot, then store), with
 * conditional operations, so whatever the hot path returns was in the store at that moment. It serves
 * only before the token's refresh point, which lies before the store's expiry on the same ticker.
 *
 * <h2>Lock discipline</h2>
 * One lock, {@link #lock}, guards the fields marked {@code @GuardedBy("lock")}, which Error Prone checks at
 * compile time. It is held only for reading and writing those fields: never while calling the credential,
 * the store (Caffeine), the timer, the executor, a listener or completing a future, and no code that
 * Caffeine calls takes it (the store has no loader, and its expiry reads only the immutable token). So no
 * lock of this class can be part of a cycle with Caffeine's or anyone else's. The request in flight is
 * published under the lock and then started outside it; its completion is claimed once under the lock (by
 * the credential's answer or by the fetch timeout, whichever comes first), published outside it, and only
 * then cleared under the lock, so a later request can never publish before an earlier one.
 */
final class SharedToken {

    private static final Logger LOG = LoggerFactory.getLogger(SharedToken.class);

    /** After a refused token was replaced, another replacement is not requested for this long. */
    static final Duration FORCED_REFRESH_MIN_INTERVAL = Duration.ofSeconds(5);

    private final TokenKey key;
    private final TokenSettings settings;
    private final RefreshPolicy policy;
    private final TokenRegistry registry;
    private final TimeSource time;
    private final FetchEvents events;
    private final Set<TokenSettings> warnedSettings = ConcurrentHashMap.newKeySet();

    /** The token of the hot path; see the class comment for how it follows the store. */
    private final AtomicReference<CachedToken> hot = new AtomicReference<>();
    /** Set once the first token has been published: later waits are bounded by the caller's timeout. */
    private volatile boolean hadToken;

    private final Object lock = new Object();

    @GuardedBy("lock")
    private TokenRequest inFlight;
    /** The token last published, even if the store has dropped it since. */
    @GuardedBy("lock")
    private CachedToken latest;

    @GuardedBy("lock")
    private final FailureStreak failures;

    @GuardedBy("lock")
    private final RefusedTokens refused = new RefusedTokens();

    @GuardedBy("lock")
    private final TimerTasks timerTasks = new TimerTasks();

    @GuardedBy("lock")
    private boolean closed;

    SharedToken(TokenKey key, TokenSettings settings, TokenRegistry registry) {
        this.key = key;
        this.settings = settings;
        this.policy = settings.policy();
        this.registry = registry;
        this.time = registry.time();
        this.events = new FetchEvents(key, time);
        this.failures = new FailureStreak(settings.backoff());
    }

    TokenKey key() {
        return key;
    }

    TokenSettings settings() {
        return settings;
    }

    /** True the first time a pool asks for {@code other} settings (so that it is warned once). */
    boolean firstMismatch(TokenSettings other) {
        return !settings.equals(other) && warnedSettings.add(other);
    }

    /** Where the pools' listeners are registered. */
    FetchEvents events() {
        return events;
    }

    /**
     * A token usable now: at once when one is held (starting a refresh in the background when it is due),
     * else after waiting for the request in flight, at most {@code timeout} (or, before the first token ever
     * arrived, as long as a request may take).
     *
     * @param poolsFirst whether the calling pool has never had a token (it then waits up to fetchTimeout)
     */
    CachedToken acquire(Duration timeout, boolean poolsFirst) {
        CachedToken token = hot.get();
        // One wall-clock read: the monotonic clock would not notice a suspended host, whose tokens expired
        // meanwhile by the wall clock (the server's). The refresh point lies before the usable end.
        if (token != null && time.wallMillis() < token.refreshAtMillis()) {
            return token;
        }
        return acquireSlow(timeout, poolsFirst);
    }

    private CachedToken acquireSlow(Duration timeout, boolean poolsFirst) {
        CachedToken stored = registry.store().getIfPresent(this);
        if (stored != null && !stored.isUsable(time.instant())) {
            // the store expires tokens on the monotonic clock, which stood still while the host was suspended
            drop(stored);
            stored = null;
        }
        if (stored != null) { // usable
            if (time.read() - stored.refreshAtNanos() >= 0 || stored.isRefreshDue(time.instant())) {
                request(null); // refresh in the background; coalesced with any running one
            }
            return stored;
        }
        TokenRequest request = request(null);
        if (request == null) { // resting after failures: fail at once with the last one
            long now = time.read();
            synchronized (lock) {
                checkOpen();
                throw failures.restingFailure(key, now);
            }
        }
        Duration fetchTimeout = settings.fetchTimeout(); // a pool's first wait: as long as a request may take
        Duration wait = (hadToken && !poolsFirst) || timeout.compareTo(fetchTimeout) >= 0 ? timeout : fetchTimeout;
        return request.await(key, wait, this::lastFailure);
    }

    /**
     * The token to retry a login with after the database refused {@code rejected}: the token that replaced
     * it, if one did; else the answer of the request in flight, or of a new one. Null when the refusal is
     * not the token's fault as far as can be told (a replacement of the same value, or one requested moments
     * ago, was refused too), so that retrying would not help.
     */
    CachedToken replaceRejected(CachedToken rejected, Duration timeout) {
        long now = time.read();
        Instant wallNow = time.instant();
        TokenRequest request;
        boolean started = false;
        TokenUnavailableException restingFailure = null;
        synchronized (lock) {
            checkOpen();
            if (inFlight != null) {
                request = inFlight; // join: its token is newer than the one refused
                request.ahead = false;
                refused.remember(rejected);
                forgetIfLatest(rejected);
            } else if (latest != null && latest.replaced(rejected, now, wallNow)) {
                return latest; // replaced already: no request needed
            } else if (refused.replacementUseless(rejected, now)) {
                return null;
            } else if (failures.isResting(now)) {
                restingFailure = failures.restingFailure(key, now);
                forgetIfLatest(rejected);
                request = null;
            } else {
                request = inFlight = new TokenRequest(now, time.instant(), latest);
                refused.remember(rejected);
                forgetIfLatest(rejected);
                refused.forced(now);
                started = true;
            }
        }
        withdraw(rejected); // it must not start more logins
        if (restingFailure != null) {
            throw restingFailure;
        }
        if (started) {
            LOG.info("{}: the database refused a cached token; fetching a fresh one", key);
            launch(request);
        }
        return request.await(key, timeout, this::lastFailure);
    }

    /** Takes a token that must not start logins any more off the hot path, out of the store and out of latest. */
    private void drop(CachedToken token) {
        synchronized (lock) {
            forgetIfLatest(token);
        }
        withdraw(token);
    }

    /**
     * Takes {@code token} off the hot path first, then out of the store (see the class comment), each only if it is
     * still the one there: a replacement may have been published meanwhile.
     */
    private void withdraw(CachedToken token) {
        hot.compareAndSet(token, null);
        registry.store().asMap().remove(this, token);
    }

    /** A refused token is no longer "the latest": it must not be handed out again once dropped. */
    @GuardedBy("lock")
    private void forgetIfLatest(CachedToken rejected) {
        if (latest != null && latest.sameTokenAs(rejected)) {
            latest = null;
        }
    }

    /** A request ahead of need, unless a token is held or requested or failures rest; see {@link TokenRequest#ahead}. */
    void prefetch() {
        TokenRequest request;
        synchronized (lock) {
            if (closed || inFlight != null || latest != null || failures.isResting(time.read())) {
                return;
            }
            request = inFlight = new TokenRequest(time.read(), time.instant(), null);
            request.ahead = true;
        }
        launch(request);
    }

    /**
     * For diagnostics: the request in flight, if any, and the failures before it. Never blocks for longer than it
     * takes to read a few fields.
     */
    String requestState() {
        long now = time.read();
        synchronized (lock) {
            return (inFlight != null ? inFlight.describe(now) : "no token request is running") + failures.describe(now);
        }
    }

    /**
     * The request in flight, joined; or a new one, started; or, when a usable token that is not due for
     * refresh is held, a completed one with that token; or null while resting after failures.
     *
     * @param timerSeqOrNull when called by the timer: its sequence number, so that a stale timer task does
     *                       nothing
     */
    private TokenRequest request(Long timerSeqOrNull) {
        long now = time.read();
        Instant wallNow = time.instant();
        TokenRequest request;
        synchronized (lock) {
            if (closed || (timerSeqOrNull != null && !timerTasks.isCurrent(timerSeqOrNull))) {
                return null;
            }
            if (inFlight != null) {
                inFlight.ahead = false; // someone waits for it now: its outcome is theirs
                return inFlight;
            }
            if (latest != null
                    && now - latest.refreshAtNanos() < 0
                    && !latest.isRefreshDue(wallNow)
                    && timerSeqOrNull == null) {
                // published between the caller's read of the store and now: no request needed
                return TokenRequest.completed(latest);
            }
            if (failures.isResting(now)) {
                return null;
            }
            request = inFlight = new TokenRequest(now, time.instant(), latest);
        }
        launch(request);
        return request;
    }

    /** Starts a request that was published as {@link #inFlight}; called with no lock held. */
    private void launch(TokenRequest request) {
        // The fetch timeout runs on the library's own timer (CompletableFuture.orTimeout would start the JDK's
        // delay-scheduler thread, which never ends and pins the class loader of whoever started it).
        request.timeoutTask = registry.timer()
                .schedule(
                        () -> finish(request, null, TokenFailures.fetchTimedOut(settings.fetchTimeout())),
                        TokenRequest.saturatedNanos(settings.fetchTimeout()));
        boolean abandoned;
        synchronized (lock) {
            abandoned = request.claimed; // closed between publishing the request and here: do not start it
        }
        if (abandoned) {
            TimerTasks.cancel(request.timeoutTask);
            return;
        }
        request.call(key, registry.fetchExecutor(), (answer, error) -> finish(request, answer, error));
    }

    /**
     * Completes {@code request} with the credential's answer, or with the fetch timeout: whichever calls
     * first wins, the other does nothing.
     */
    private void finish(TokenRequest request, AccessToken answer, Throwable error) {
        Instant now = time.instant();
        TokenRequest.Outcome outcome = request.outcome(answer, error, now, policy, registry::random);
        CachedToken token = outcome.token();
        Throwable failure = outcome.failure();
        boolean wasClosed;
        int failuresBefore;
        int failuresNow;
        long backoffNanos = 0;
        boolean aheadFailed;
        synchronized (lock) {
            if (request.claimed) {
                return;
            }
            request.claimed = true;
            wasClosed = closed;
            aheadFailed = token == null && request.ahead;
            failuresBefore = failures.count();
            if (!wasClosed && token != null) {
                latest = token;
                failures.reset();
            } else if (!wasClosed && !aheadFailed) {
                backoffNanos = failures.add(failure, registry::random, time);
            }
            failuresNow = failures.count();
        }
        if (token != null && !wasClosed) {
            registry.store().put(this, token); // the store first, then the hot path: see the class comment
            hot.set(token);
            hadToken = true;
        }
        long seq;
        boolean closedNow;
        synchronized (lock) {
            if (inFlight == request) {
                inFlight = null;
            }
            closedNow = closed;
            seq = closedNow ? -1 : timerTasks.next();
        }
        TimerTasks.cancel(request.timeoutTask);
        if (closedNow) {
            if (token != null) { // closed while publishing: take it back out
                withdraw(token);
            }
            request.result.completeExceptionally(TokenFailures.closed(key));
            return;
        }
        if (aheadFailed) { // nobody waited for it: no backoff, no retry, no listener; the pool asks again itself
            request.result.completeExceptionally(TokenFailures.prefetchFailed(key, failure));
            return;
        }
        long delayNanos = token != null ? token.refreshAtNanos() - time.read() : backoffNanos;
        schedule(seq, delayNanos);
        Duration latency = Duration.ofNanos(time.read() - request.startNanos);
        if (token != null) {
            request.result.complete(token);
            events.succeeded(request, token, latency, failuresBefore);
        } else {
            request.result.completeExceptionally(TokenFailures.unavailable(key, failure));
            events.failed(request, failure, latency, failuresNow, backoffNanos, now);
        }
    }

    /** Makes the task numbered {@code seq} the timer's current one; called with no lock held. */
    private void schedule(long seq, long delayNanos) {
        Future<?> task = registry.timer().schedule(() -> request(seq), Math.max(0, delayNanos));
        Future<?> obsolete;
        synchronized (lock) {
            obsolete = closed ? task : timerTasks.replace(seq, task); // task itself if a newer schedule came first
        }
        TimerTasks.cancel(obsolete);
    }

    /** Stops refreshing and drops the token: the last pool using it closed. */
    void close() {
        Future<?> task;
        TokenRequest running;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            task = timerTasks.clear();
            running = inFlight;
            inFlight = null;
            if (running != null) {
                running.claimed = true; // its answer, if it ever comes, is dropped
            }
        }
        TimerTasks.cancel(task);
        hot.set(null);
        registry.store().invalidate(this);
        if (running != null) {
            TimerTasks.cancel(running.timeoutTask);
            running.result.completeExceptionally(TokenFailures.closed(key));
        }
    }

    @GuardedBy("lock")
    private void checkOpen() {
        if (closed) {
            throw TokenFailures.closed(key);
        }
    }

    private Throwable lastFailure() {
        synchronized (lock) {
            return failures.last();
        }
    }

    @Override
    public String toString() {
        return "SharedToken{" + key + '}';
    }
}
