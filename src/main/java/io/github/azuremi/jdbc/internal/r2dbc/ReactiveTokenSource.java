package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * A {@link TokenLease} seen from a reactive login, which must never block its thread: a token that is held and not
 * due for refresh is returned at once, on the subscribing thread; otherwise the blocking {@link TokenLease#acquire}
 * runs on one of the library's own threads ({@link TokenWaits}), and the login resumes when it answers. Concurrent
 * misses of one source share one such wait (as the token core shares one request).
 *
 * <p>Thread-safe.
 */
public final class ReactiveTokenSource {

    /** The lease for a login now: a factory's is registered again after an idle release ({@link FactoryLease}). */
    private final Supplier<TokenLease> lease;

    private final TokenKey key;
    private final Duration timeout;
    private final Executor waits;
    /** The wait in progress, joined by every miss until it completes. */
    private final AtomicReference<CompletableFuture<CachedToken>> pending = new AtomicReference<>();

    /**
     * @param timeout how long a login waits for a token it does not hold (the very first one: at least the fetch
     *                timeout, as for every pool)
     * @param waits   where the blocking waits run; never a Reactor or Netty thread
     */
    public ReactiveTokenSource(TokenLease lease, Duration timeout, Executor waits) {
        this(() -> lease, lease.key(), timeout, waits);
    }

    /**
     * @param lease the lease for a login now, marked as used (asked once per login, on the subscribing thread: it
     *              must not wait)
     */
    ReactiveTokenSource(Supplier<TokenLease> lease, TokenKey key, Duration timeout, Executor waits) {
        this.lease = Objects.requireNonNull(lease);
        this.key = Objects.requireNonNull(key);
        this.timeout = Objects.requireNonNull(timeout);
        this.waits = Objects.requireNonNull(waits);
    }

    /** On the library's own wait threads. */
    public ReactiveTokenSource(TokenLease lease, Duration timeout) {
        this(lease, timeout, TokenWaits.shared());
    }

    /** A token for one login; each subscription asks again. */
    public Mono<CachedToken> token() {
        return Mono.defer(() -> {
            CachedToken held = lease.get().usableNow();
            return held != null ? Mono.just(held) : joinWait();
        });
    }

    /**
     * The token to retry a login with after the database refused {@code rejected} (the rules of
     * {@link TokenLease#replaceRejected}: the replacement already held, the request in flight, or a new one); empty
     * when the refusal does not look like the token's fault. Always waits off the subscribing thread.
     */
    public Mono<CachedToken> replaceRejected(CachedToken rejected) {
        Objects.requireNonNull(rejected);
        return Mono.defer(() -> Mono.fromFuture(offLoop(() -> lease.get().replaceRejected(rejected, timeout)), true));
    }

    /** The lease's key, for messages and logs (no token in it). */
    public String describe() {
        return key.toString();
    }

    private Mono<CachedToken> joinWait() {
        for (; ; ) {
            CompletableFuture<CachedToken> current = pending.get();
            if (current != null && !current.isDone()) {
                // suppressCancel: one login giving up must not cancel the wait the others joined
                return Mono.fromFuture(current, true);
            }
            CompletableFuture<CachedToken> mine = new CompletableFuture<>();
            if (pending.compareAndSet(current, mine)) {
                start(mine, () -> lease.get().acquire(timeout));
                return Mono.fromFuture(mine, true);
            }
        }
    }

    private CompletableFuture<CachedToken> offLoop(Supplier<CachedToken> blocking) {
        CompletableFuture<CachedToken> result = new CompletableFuture<>();
        start(result, blocking);
        return result;
    }

    private void start(CompletableFuture<CachedToken> result, Supplier<CachedToken> blocking) {
        try {
            waits.execute(() -> {
                try {
                    result.complete(blocking.get());
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                } finally {
                    pending.compareAndSet(result, null);
                }
            });
        } catch (RejectedExecutionException e) {
            pending.compareAndSet(result, null);
            result.completeExceptionally(new TokenUnavailableException(
                    "Could not wait for an access token for " + describe() + ": " + TokenWaits.MAX_THREADS
                            + " token waits are running already (the identity endpoint does not answer)",
                    e));
        }
    }

    @Override
    public String toString() {
        return "ReactiveTokenSource{" + describe() + '}';
    }
}
