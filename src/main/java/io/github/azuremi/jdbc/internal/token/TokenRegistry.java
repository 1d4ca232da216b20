package io.github.azuremi.jdbc.internal.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide (per class loader) registry of tokens: one {@link SharedToken} per identity + scope
 * (+ tenant), shared by every pool that {@linkplain #register registers} that key and dropped when the
 * last of them closes; and the store the tokens live in.
 *
 * <p><b>Why Caffeine is used as a plain store here, not as a loading cache.</b> A loading cache runs its
 * loader inside its own map lock (the bin lock of {@code ConcurrentHashMap.compute}); the loader must read
 * the failure and backoff state, and the code that changes that state (a refused token) must replace the
 * cached value, which enters the same map lock: the two orders of taking those locks deadlocked (issue 9).
 * Here Caffeine holds the tokens and drops each at the end of its usable time (its {@link Expiry} reads only
 * the immutable token), while the single flight, the backoff and the schedule live in {@link SharedToken},
 * under a lock that is never held while calling Caffeine. The store is keyed by the {@code SharedToken}
 * object (identity equality), so a late answer for a closed one can never land under a newer one's key.
 *
 * <p>Thread-safe. {@link #register} and {@link #release} only update a concurrent map; closing a token
 * (which calls the store and the timer) happens after the map's own lock is released.
 */
public final class TokenRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(TokenRegistry.class);

    private static final class Shared {
        static final TokenRegistry INSTANCE = new TokenRegistry(
                TimeSource.system(),
                RefreshTimer.daemon(),
                FetchExecutor.daemon(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    private final TimeSource time;
    private final RefreshTimer timer;
    private final FetchExecutor fetchExecutor;
    private final DoubleSupplier random;
    private final Cache<SharedToken, CachedToken> store;
    private final ConcurrentMap<TokenKey, Registration> tokens = new ConcurrentHashMap<>();
    private final ConcurrentMap<TokenKey, Prefetch> prefetches = new ConcurrentHashMap<>();

    /**
     * @param time          both clocks
     * @param timer         runs refreshes and fetch timeouts
     * @param fetchExecutor runs the (blocking) credential calls
     * @param random        samples in [0, 1) for jitter
     */
    public TokenRegistry(TimeSource time, RefreshTimer timer, FetchExecutor fetchExecutor, DoubleSupplier random) {
        this.time = Objects.requireNonNull(time);
        this.timer = Objects.requireNonNull(timer);
        this.fetchExecutor = Objects.requireNonNull(fetchExecutor);
        this.random = Objects.requireNonNull(random);
        this.store = Caffeine.newBuilder()
                .ticker(time)
                // Caffeine's bookkeeping runs on the calling thread: no ForkJoinPool task of ours outlives a pool,
                // and tests stay deterministic.
                .executor(Runnable::run)
                .expireAfter(new UsableUntil())
                .build();
    }

    /** The one registry of this class loader. */
    public static TokenRegistry shared() {
        return Shared.INSTANCE;
    }

    /**
     * Starts using the token for {@code key}. The caller must {@linkplain TokenLease#close() close} the lease
     * when it stops (a pool closing); when the last lease of a key closes, its token is dropped and its
     * refreshes stop. The settings of the first registration of a key apply; a later one that asks for other
     * settings is told so once, at warn.
     *
     * @param listener told of every request for this key while the lease is open; may be null
     */
    public TokenLease register(TokenKey key, TokenSettings settings, TokenListener listener) {
        TokenLease lease = lease(key, settings, listener);
        Prefetch ahead = prefetches.get(key);
        if (ahead != null) {
            ahead.close(); // claimed: this lease holds the token (fetched, or in flight) from now on
        }
        return lease;
    }

    /**
     * Starts fetching the token for {@code key} now, in the background, and holds it (a lease of its own) until a
     * pool {@linkplain #register registers} the same key, which claims it, or until {@code hold} has passed, or
     * until the returned handle is closed, whichever comes first; then {@code onRelease} runs, once. So nothing
     * outlives an unclaimed prefetch by more than {@code hold}: when no pool took it, its token is dropped and the
     * library's threads end as after the last pool. A failed fetch is logged once and forgotten (see
     * {@link TokenLease#prefetch}). While a prefetch of the key is pending, another one does nothing.
     */
    public Prefetch prefetch(TokenKey key, TokenSettings settings, Duration hold, Runnable onRelease) {
        Prefetch prefetch = new Prefetch(this, key, lease(key, settings, null), onRelease);
        if (prefetches.putIfAbsent(key, prefetch) != null) {
            prefetch.close(); // a pending one already covers this key
            return prefetch;
        }
        prefetch.start(hold);
        return prefetch;
    }

    void forget(Prefetch prefetch) {
        prefetches.remove(prefetch.key(), prefetch);
    }

    private TokenLease lease(TokenKey key, TokenSettings settings, TokenListener listener) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(settings, "settings");
        Registration registration = tokens.compute(key, (k, existing) -> {
            Registration r = existing != null ? existing : new Registration(new SharedToken(k, settings, this));
            r.leases++;
            return r;
        });
        SharedToken token = registration.token;
        if (token.firstMismatch(settings)) {
            LOG.warn(
                    "{}: this token is already used by another pool with the settings {}; the settings {} asked for "
                            + "here do not apply (pools of the same identity and scope share one token: give them the same token "
                            + "settings)",
                    key,
                    token.settings(),
                    settings);
        }
        if (listener != null) {
            token.events().addListener(listener);
        }
        return new TokenLease(this, token, listener);
    }

    void release(SharedToken token, TokenListener listener) {
        if (listener != null) {
            token.events().removeListener(listener);
        }
        boolean[] last = {false};
        tokens.computeIfPresent(token.key(), (k, current) -> {
            if (current.token != token || --current.leases > 0) {
                return current;
            }
            last[0] = true;
            return null;
        });
        if (last[0]) {
            token.close();
            LOG.debug("{}: last pool closed; token dropped and refresh stopped", token.key());
            if (tokens.isEmpty()) {
                timer.idle();
                fetchExecutor.idle(tokens::isEmpty);
            }
        }
    }

    /** The number of keys in use; for tests and diagnostics. */
    public int keyCount() {
        return tokens.size();
    }

    TimeSource time() {
        return time;
    }

    RefreshTimer timer() {
        return timer;
    }

    FetchExecutor fetchExecutor() {
        return fetchExecutor;
    }

    double random() {
        return random.getAsDouble();
    }

    Cache<SharedToken, CachedToken> store() {
        return store;
    }

    /** A key's token and how many leases use it; {@code leases} changes only inside the map's compute. */
    private static final class Registration {
        final SharedToken token;
        int leases;

        Registration(SharedToken token) {
            this.token = token;
        }
    }

    /** A token stays in the store until the end of its usable time, on the same ticker as its refresh point. */
    private static final class UsableUntil implements Expiry<SharedToken, CachedToken> {
        @Override
        public long expireAfterCreate(SharedToken owner, CachedToken token, long currentTime) {
            return Math.max(0, token.usableUntilNanos() - currentTime);
        }

        @Override
        public long expireAfterUpdate(SharedToken owner, CachedToken token, long currentTime, long currentDuration) {
            return expireAfterCreate(owner, token, currentTime);
        }

        @Override
        public long expireAfterRead(SharedToken owner, CachedToken token, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
