package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token of one identity and scope, shared by every pool that uses them: it owns the token, the
 * request in flight, the failure and backoff state and the refresh schedule.
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li><b>Single flight.</b> At most one request to the credential is in flight. Whoever needs a token
 *   while one runs (a pool without a token, the timer, a refused login) joins it.</li>
 *   <li><b>Refresh ahead.</b> After a token arrives, the timer asks for the next one at the point the
 *   {@link RefreshPolicy} chose; a read past that point also starts a refresh (timers starve on
 *   CPU-throttled hosts). Neither makes a reader wait: the current token serves until its usable end.</li>
 *   <li><b>Failures.</b> A failed refresh keeps the valid token serving. Consecutive failures are spaced by
 *   {@link Backoff}; until the next attempt is due no request is sent, whatever the load, and readers
 *   without a token fail at once with the last failure. The timer retries, so the token heals by itself.</li>
 *   <li><b>Refused tokens.</b> {@link #replaceRejected} joins the request in flight, if any, and only
 *   otherwise starts one; it needs none when the token was replaced already. A token value gets at most
 *   one replacement request, and replacements are at least {@link #FORCED_REFRESH_MIN_INTERVAL} apart (a
 *   fresh token refused too means the identity is not mapped, and more tokens would not help).</li>
 *   <li><b>First token.</b> A pool's very first token is waited for as long as a request may take
 *   ({@code fetchTimeout}); later waits are bounded by the caller's timeout (the pool's
 *   {@code connectionTimeout}).</li>
 * </ul>
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
    /** Longer lifetimes are scheduled as this long: nanosecond arithmetic on the ticker must not overflow. */
    static final Duration MAX_LIFETIME = Duration.ofDays(365L * 50);

    private final TokenKey key;
    private final TokenSettings settings;
    private final RefreshPolicy policy;
    private final Backoff backoff;
    private final TokenRegistry registry;
    private final TimeSource time;
    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<TokenSettings> warnedSettings = ConcurrentHashMap.newKeySet();

    /** The token of the hot path; see the class comment for how it follows the store. */
    private final AtomicReference<CachedToken> hot = new AtomicReference<>();
    /** Set once the first token has been published: later waits are bounded by the caller's timeout. */
    private volatile boolean hadToken;

    private final Object lock = new Object();

    @GuardedBy("lock")
    private Request inFlight;
    /** The token last published, even if the store has dropped it since. */
    @GuardedBy("lock")
    private CachedToken latest;

    @GuardedBy("lock")
    private int failures;

    @GuardedBy("lock")
    private long nextAttemptNanos;

    @GuardedBy("lock")
    private Throwable lastFailure;
    /** The last refused token value for which a replacement was requested or joined. */
    @GuardedBy("lock")
    private final java.util.Deque<String> refusedValues = new java.util.ArrayDeque<>();

    @GuardedBy("lock")
    private long lastForcedNanos;

    @GuardedBy("lock")
    private boolean forcedOnce;
    /** Identifies the timer task that is current; older tasks do nothing when they fire. */
    @GuardedBy("lock")
    private long timerSeq;

    @GuardedBy("lock")
    private Future<?> timerTask;

    @GuardedBy("lock")
    private boolean closed;

    SharedToken(TokenKey key, TokenSettings settings, TokenRegistry registry) {
        this.key = key;
        this.settings = settings;
        this.policy = settings.policy();
        this.backoff = settings.backoff();
        this.registry = registry;
        this.time = registry.time();
    }

    TokenKey key() {
        return key;
    }

    TokenSettings settings() {
        return settings;
    }

    void addListener(TokenListener listener) {
        listeners.add(listener);
    }

    void removeListener(TokenListener listener) {
        listeners.remove(listener);
    }

    /** True the first time a pool asks for {@code other} settings (so that it is warned once). */
    boolean firstMismatch(TokenSettings other) {
        return !settings.equals(other) && warnedSettings.add(other);
    }

    // ------------------------------------------------------------------------------------------------------
    // Reading

    /**
     * A token usable now: at once when one is held (starting a refresh in the background when it is due),
     * else after waiting for the request in flight, at most {@code timeout} (or, before the first token ever
     * arrived, as long as a request may take).
     */
    CachedToken acquire(Duration timeout) {
        return acquire(timeout, false);
    }

    /** @param poolsFirst whether the calling pool has never had a token (it then waits up to fetchTimeout) */
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
        Request request = request(null);
        if (request == null) {
            throw restingFailure();
        }
        return await(request, hadToken && !poolsFirst ? timeout : max(timeout, settings.fetchTimeout()));
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
        Request request;
        boolean started = false;
        TokenUnavailableException restingFailure = null;
        synchronized (lock) {
            checkOpen();
            if (inFlight != null) {
                request = inFlight; // join: its token is newer than the one refused
                rememberRefused(rejected);
                forgetIfLatest(rejected);
            } else if (latest != null
                    && !latest.sameTokenAs(rejected)
                    && now - latest.usableUntilNanos() < 0
                    && latest.isUsable(wallNow)) {
                return latest; // replaced already: no request needed
            } else if (refusedValues.contains(rejected.accessToken())
                    || forcedOnce && now - lastForcedNanos < FORCED_REFRESH_MIN_INTERVAL.toNanos()) {
                return null;
            } else if (isResting(now)) {
                restingFailure = restingFailureLocked(now);
                forgetIfLatest(rejected);
                request = null;
            } else {
                request = inFlight = new Request(now, time.instant(), latest);
                rememberRefused(rejected);
                forgetIfLatest(rejected);
                lastForcedNanos = now;
                forcedOnce = true;
                started = true;
            }
        }
        // The refused token must not start more logins: off the hot path first, then out of the store, each only
        // if it is still the one there (a replacement may have been published meanwhile).
        hot.compareAndSet(rejected, null);
        registry.store().asMap().remove(this, rejected);
        if (restingFailure != null) {
            throw restingFailure;
        }
        if (started) {
            LOG.info("{}: the database refused a cached token; fetching a fresh one", key);
            launch(request);
        }
        return await(request, timeout);
    }

    @GuardedBy("lock")
    private void rememberRefused(CachedToken rejected) {
        if (!refusedValues.contains(rejected.accessToken())) {
            refusedValues.addLast(rejected.accessToken());
            if (refusedValues.size() > 8) {
                refusedValues.removeFirst();
            }
        }
    }

    /** Takes a token that must not start logins any more off the hot path, out of the store and out of latest. */
    private void drop(CachedToken token) {
        synchronized (lock) {
            forgetIfLatest(token);
        }
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

    /** The token held, if any, without waiting or fetching; for diagnostics. */
    CachedToken current() {
        CachedToken stored = registry.store().getIfPresent(this);
        return stored != null && stored.isUsable(time.instant()) ? stored : null;
    }

    /**
     * Why no token can be handed out now, or null when one can. Never blocks for longer than it takes to
     * read a few fields.
     */
    String unavailableReason() {
        if (current() != null) {
            return null;
        }
        long now = time.read();
        synchronized (lock) {
            String running = inFlight != null
                    ? "a token request has been running for " + TimeUnit.NANOSECONDS.toMillis(now - inFlight.startNanos)
                            + " ms"
                    : "no token request is running";
            String failed = lastFailure == null
                    ? ""
                    : "; the last " + failures + " request(s) failed, the last with " + Redaction.describe(lastFailure)
                            + (nextAttemptNanos - now > 0
                                    ? ", next attempt in " + TimeUnit.NANOSECONDS.toMillis(nextAttemptNanos - now)
                                            + " ms"
                                    : "");
            return "no access token from " + key.credential() + " for scope " + key.scope() + " yet: " + running
                    + failed;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Requests

    /**
     * The request in flight, joined; or a new one, started; or, when a usable token that is not due for
     * refresh is held, a completed one with that token; or null while resting after failures.
     *
     * @param timerSeqOrNull when called by the timer: its sequence number, so that a stale timer task does
     *                       nothing
     */
    private Request request(Long timerSeqOrNull) {
        long now = time.read();
        Instant wallNow = time.instant();
        Request request;
        synchronized (lock) {
            if (closed || timerSeqOrNull != null && timerSeqOrNull != timerSeq) {
                return null;
            }
            if (inFlight != null) {
                return inFlight;
            }
            if (latest != null
                    && now - latest.refreshAtNanos() < 0
                    && !latest.isRefreshDue(wallNow)
                    && timerSeqOrNull == null) {
                // published between the caller's read of the store and now: no request needed
                return Request.completed(latest);
            }
            if (isResting(now)) {
                return null;
            }
            request = inFlight = new Request(now, time.instant(), latest);
        }
        launch(request);
        return request;
    }

    /** Starts a request that was published as {@link #inFlight}; called with no lock held. */
    private void launch(Request request) {
        long timeoutNanos = saturatedNanos(settings.fetchTimeout());
        // The fetch timeout runs on the library's own timer (CompletableFuture.orTimeout would start the JDK's
        // delay-scheduler thread, which never ends and pins the class loader of whoever started it).
        request.timeoutTask = registry.timer()
                .schedule(
                        () -> finish(
                                request,
                                null,
                                new TimeoutException(
                                        "the identity endpoint did not answer within the token fetch timeout ("
                                                + settings.fetchTimeout().toMillis() + " ms)")),
                        timeoutNanos);
        boolean abandoned;
        synchronized (lock) {
            abandoned = request.claimed; // closed between publishing the request and here: do not start it
        }
        if (abandoned) {
            cancel(request.timeoutTask);
            return;
        }
        TokenRequestContext context = new TokenRequestContext().addScopes(key.scope());
        if (key.tenantId() != null) {
            context.setTenantId(key.tenantId());
        }
        try {
            registry.fetchExecutor().execute(() -> {
                AccessToken answer = null;
                Throwable error = null;
                try {
                    answer = key.credential().credential().getTokenSync(context);
                } catch (Throwable t) {
                    error = t;
                }
                finish(request, answer, error);
            });
        } catch (RejectedExecutionException | IllegalStateException e) {
            finish(request, null, e);
        }
    }

    /**
     * Completes {@code request} with the credential's answer, or with the fetch timeout: whichever calls
     * first wins, the other does nothing.
     */
    private void finish(Request request, AccessToken answer, Throwable error) {
        Instant now = time.instant();
        Throwable failure = Redaction.sanitize(error == null ? checkToken(answer, now) : unwrap(error));
        CachedToken token = null;
        if (failure == null) {
            try {
                token = newToken(request, answer);
            } catch (
                    RuntimeException
                            e) { // an answer whose schedule cannot be computed is a failure, not a lost request
                failure = new IllegalStateException("the credential returned a token whose schedule cannot be computed "
                        + "(expires at " + answer.getExpiresAt() + "): " + e);
            }
        }
        boolean wasClosed;
        int failuresBefore;
        int failuresNow;
        long backoffNanos = 0;
        synchronized (lock) {
            if (request.claimed) {
                return;
            }
            request.claimed = true;
            wasClosed = closed;
            failuresBefore = failures;
            if (wasClosed) {
                failuresNow = failures;
            } else if (token != null) {
                latest = token;
                failures = 0;
                lastFailure = null;
                nextAttemptNanos = 0;
                failuresNow = 0;
            } else {
                failuresNow = ++failures;
                backoffNanos = backoff.delayNanos(failuresNow, registry.random());
                nextAttemptNanos = time.read() + backoffNanos;
                lastFailure = failure;
            }
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
            seq = closedNow ? -1 : ++timerSeq;
        }
        cancel(request.timeoutTask);
        if (closedNow) {
            if (token != null) { // closed while publishing: take it back out
                hot.compareAndSet(token, null);
                registry.store().asMap().remove(this, token);
            }
            request.result.completeExceptionally(closedException());
            return;
        }
        long delayNanos = token != null ? token.refreshAtNanos() - time.read() : backoffNanos;
        schedule(seq, delayNanos);
        Duration latency = Duration.ofNanos(time.read() - request.startNanos);
        if (token != null) {
            request.result.complete(token);
            succeeded(request, token, latency, failuresBefore);
        } else {
            request.result.completeExceptionally(unavailable(failure));
            failed(request, failure, latency, failuresNow, backoffNanos, now);
        }
    }

    private CachedToken newToken(Request request, AccessToken answer) {
        Instant expiresAt = answer.getExpiresAt().toInstant();
        Instant cap = request.startedAt.plus(MAX_LIFETIME);
        Instant scheduledExpiry = expiresAt.isAfter(cap) ? cap : expiresAt;
        Instant hint =
                answer.getRefreshAt() == null ? null : answer.getRefreshAt().toInstant();
        RefreshPolicy.Schedule schedule = policy.schedule(request.startedAt, scheduledExpiry, hint, registry.random());
        // Both points on the monotonic ticker, counted from the request's start as the schedule is.
        long refreshAtNanos = request.startNanos
                + Duration.between(request.startedAt, schedule.refreshAt()).toNanos();
        long usableUntilNanos = request.startNanos
                + Duration.between(request.startedAt, schedule.usableUntil()).toNanos();
        return new CachedToken(
                answer.getToken(),
                request.startedAt,
                expiresAt,
                schedule,
                Math.min(refreshAtNanos, usableUntilNanos),
                usableUntilNanos);
    }

    private void succeeded(Request request, CachedToken token, Duration latency, int failuresBefore) {
        boolean refresh = request.previous != null && time.read() - request.previous.usableUntilNanos() < 0;
        if (request.previous == null && failuresBefore == 0) {
            LOG.info(
                    "{}: token fetched in {} ms; expires at {}, refresh at {}",
                    key,
                    latency.toMillis(),
                    token.expiresAt(),
                    token.refreshAt());
        } else {
            LOG.debug(
                    "{}: token {} in {} ms{}; expires at {}, refresh at {}",
                    key,
                    refresh ? "refreshed" : "fetched",
                    latency.toMillis(),
                    failuresBefore > 0 ? " after " + failuresBefore + " failed attempt(s)" : "",
                    token.expiresAt(),
                    token.refreshAt());
        }
        TokenInfo info = new TokenInfo(
                key.credential().description(),
                key.scope(),
                token.fetchedAt(),
                token.expiresAt(),
                token.refreshAt(),
                token.usableUntil(),
                latency,
                refresh);
        for (TokenListener listener : listeners) {
            try {
                listener.onTokenFetched(info);
            } catch (RuntimeException e) {
                LOG.debug("{}: token listener failed", key, e);
            }
        }
    }

    private void failed(
            Request request, Throwable failure, Duration latency, int failuresNow, long backoffNanos, Instant now) {
        CachedToken previous = request.previous;
        boolean validCached = previous != null && previous.isUsable(now);
        LOG.warn(
                "{}: token request failed ({} in a row) after {} ms: {}; next attempt in {} ms; {}",
                key,
                failuresNow,
                latency.toMillis(),
                Redaction.describe(failure),
                TimeUnit.NANOSECONDS.toMillis(backoffNanos),
                validCached
                        ? "the cached token, valid until " + previous.usableUntil() + ", stays in use"
                        : "no valid token: new connections fail until a request succeeds");
        TokenFetchFailure event = new TokenFetchFailure(
                key.credential().description(),
                key.scope(),
                failure,
                latency,
                failuresNow,
                Duration.ofNanos(backoffNanos),
                validCached);
        for (TokenListener listener : listeners) {
            try {
                listener.onTokenFetchFailed(event);
            } catch (RuntimeException e) {
                LOG.debug("{}: token listener failed", key, e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Timer

    /** Makes the task numbered {@code seq} the timer's current one; called with no lock held. */
    private void schedule(long seq, long delayNanos) {
        Future<?> task = registry.timer().schedule(() -> request(seq), Math.max(0, delayNanos));
        Future<?> obsolete;
        synchronized (lock) {
            if (seq == timerSeq && !closed) {
                obsolete = timerTask;
                timerTask = task;
            } else {
                obsolete = task; // a newer schedule (or close) came first
            }
        }
        cancel(obsolete);
    }

    /** Stops refreshing and drops the token: the last pool using it closed. */
    void close() {
        Future<?> task;
        Request running;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            task = timerTask;
            timerTask = null;
            running = inFlight;
            inFlight = null;
            if (running != null) {
                running.claimed = true; // its answer, if it ever comes, is dropped
            }
        }
        cancel(task);
        hot.set(null);
        registry.store().invalidate(this);
        if (running != null) {
            cancel(running.timeoutTask);
            running.result.completeExceptionally(closedException());
        }
    }

    private static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Failures and waiting

    @GuardedBy("lock")
    private boolean isResting(long now) {
        return lastFailure != null && now - nextAttemptNanos < 0;
    }

    @GuardedBy("lock")
    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private TokenUnavailableException restingFailure() {
        long now = time.read();
        synchronized (lock) {
            checkOpen();
            return restingFailureLocked(now);
        }
    }

    @GuardedBy("lock")
    private TokenUnavailableException restingFailureLocked(long now) {
        if (lastFailure == null) {
            return new TokenUnavailableException(
                    "Could not get an access token from " + key.credential() + " for scope " + key.scope(), null);
        }
        long waitMs = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nextAttemptNanos - now));
        return new TokenUnavailableException(
                "Could not get an access token from " + key.credential()
                        + " for scope " + key.scope() + ": the last " + failures + " request(s) failed, the last with "
                        + Redaction.describe(lastFailure) + "; next attempt in " + waitMs + " ms",
                lastFailure);
    }

    private CachedToken await(Request request, Duration timeout) {
        try {
            return request.result.get(Math.max(0, saturatedNanos(timeout)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            Throwable previous;
            synchronized (lock) {
                previous = lastFailure;
            }
            throw new TokenUnavailableException(
                    "Could not get an access token from " + key.credential()
                            + " for scope " + key.scope() + " within " + timeout.toMillis()
                            + " ms: the identity endpoint has not answered yet"
                            + (previous == null
                                    ? ""
                                    : "; the previous request failed with " + Redaction.describe(previous)),
                    previous);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TokenUnavailableException tue) {
                // a new exception per waiter, with this waiter's stack, the shared one as cause's message
                throw new TokenUnavailableException(tue.getMessage(), tue.getCause());
            }
            throw unavailable(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenUnavailableException(
                    "Interrupted while waiting for an access token from " + key.credential() + " for scope "
                            + key.scope(),
                    e);
        }
    }

    private TokenUnavailableException unavailable(Throwable cause) {
        if (cause instanceof TokenUnavailableException tue) {
            return tue;
        }
        return new TokenUnavailableException(
                "Could not get an access token from " + key.credential() + " for scope " + key.scope() + ": "
                        + Redaction.describe(cause),
                cause);
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("the token of " + key + " is no longer in use (its last pool closed)");
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

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return "SharedToken{" + key + '}';
    }

    /** One request to the credential; its result is shared by everyone who joined it. */
    private static final class Request {
        final long startNanos;
        final Instant startedAt;
        /** The token published when the request started (to tell a refresh from a first fetch). */
        final CachedToken previous;

        final CompletableFuture<CachedToken> result = new CompletableFuture<>();
        /** Written once, before the request can complete; read by the thread that completes it. */
        volatile Future<?> timeoutTask;
        /**
         * Whether its outcome was decided (by the answer, the timeout or close); guarded by the owner's lock. Not
         * annotated: Error Prone's GuardedBy cannot name the lock of the SharedToken a request belongs to (as an
         * inner class's {@code SharedToken.this.lock}, it cannot prove that {@code request}'s owner is {@code this}).
         */
        boolean claimed;

        Request(long startNanos, Instant startedAt, CachedToken previous) {
            this.startNanos = startNanos;
            this.startedAt = startedAt;
            this.previous = previous;
        }

        static Request completed(CachedToken token) {
            Request done = new Request(0, Instant.EPOCH, token);
            done.claimed = true;
            done.result.complete(token);
            return done;
        }
    }
}
