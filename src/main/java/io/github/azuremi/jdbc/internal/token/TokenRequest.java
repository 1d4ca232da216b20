package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * One request to the credential; its result is shared by everyone who joined it. The {@link SharedToken} that
 * made it decides when it starts and who completes it; this class calls the credential, turns the answer into a
 * token and lets readers wait for it.
 */
final class TokenRequest {

    /** Longer lifetimes are scheduled as this long: nanosecond arithmetic on the ticker must not overflow. */
    static final Duration MAX_LIFETIME = Duration.ofDays(365L * 50);

    final long startNanos;
    final Instant startedAt;
    /** The token published when the request started (to tell a refresh from a first fetch). */
    final CachedToken previous;

    final CompletableFuture<CachedToken> result = new CompletableFuture<>();
    /** Written once, before the request can complete; read by the thread that completes it. */
    volatile Future<?> timeoutTask;
    /**
     * Whether its outcome was decided (by the answer, the timeout or close); guarded by the lock of the SharedToken
     * that made it. Not annotated: Error Prone's GuardedBy cannot name that lock (it cannot prove which SharedToken
     * a request belongs to).
     */
    boolean claimed;
    /**
     * Whether it was started ahead of need ({@link SharedToken#prefetch}) and no pool has waited for it yet: its
     * failure then counts for nothing (no backoff, no retry, no listener told); the pool that needs the token asks
     * again, and sees what it would have seen without the prefetch. Guarded like {@link #claimed}.
     */
    boolean ahead;

    TokenRequest(long startNanos, Instant startedAt, CachedToken previous) {
        this.startNanos = startNanos;
        this.startedAt = startedAt;
        this.previous = previous;
    }

    /** A request that needs no call: {@code token} was published already. */
    static TokenRequest completed(CachedToken token) {
        TokenRequest done = new TokenRequest(0, Instant.EPOCH, token);
        done.claimed = true;
        done.result.complete(token);
        return done;
    }

    /**
     * Calls the credential of {@code key} on {@code executor} and hands its answer, or what it threw, to
     * {@code finish}; also when the executor refuses the call.
     */
    void call(TokenKey key, FetchExecutor executor, BiConsumer<AccessToken, Throwable> finish) {
        TokenRequestContext context = new TokenRequestContext().addScopes(key.scope());
        if (key.tenantId() != null) {
            context.setTenantId(key.tenantId());
        }
        try {
            executor.execute(() -> {
                AccessToken answer = null;
                Throwable error = null;
                try {
                    answer = key.credential().credential().getTokenSync(context);
                } catch (Throwable t) {
                    error = t;
                }
                finish.accept(answer, error);
            });
        } catch (RejectedExecutionException | IllegalStateException e) {
            finish.accept(null, e);
        }
    }

    /** What the credential's answer, or the error it threw, makes: exactly one of the two is non-null. */
    record Outcome(CachedToken token, Throwable failure) {}

    /** The outcome of the credential's {@code answer} (or {@code error}) at {@code now}; tokens per {@code policy}. */
    Outcome outcome(AccessToken answer, Throwable error, Instant now, RefreshPolicy policy, DoubleSupplier random) {
        Throwable failure = Redaction.sanitize(
                error == null ? TokenFailures.checkAnswer(answer, now) : TokenFailures.unwrap(error));
        if (failure != null) {
            return new Outcome(null, failure);
        }
        try {
            return new Outcome(tokenFrom(answer, policy, random), null);
        } catch (RuntimeException e) { // an answer whose schedule cannot be computed is a failure, not a lost request
            return new Outcome(null, TokenFailures.unschedulable(answer, e));
        }
    }

    private CachedToken tokenFrom(AccessToken answer, RefreshPolicy policy, DoubleSupplier random) {
        Instant expiresAt = answer.getExpiresAt().toInstant();
        Instant cap = startedAt.plus(MAX_LIFETIME);
        Instant scheduledExpiry = expiresAt.isAfter(cap) ? cap : expiresAt;
        Instant hint =
                answer.getRefreshAt() == null ? null : answer.getRefreshAt().toInstant();
        RefreshPolicy.Schedule schedule = policy.schedule(startedAt, scheduledExpiry, hint, random.getAsDouble());
        // Both points on the monotonic ticker, counted from the request's start as the schedule is.
        long refreshAtNanos =
                startNanos + Duration.between(startedAt, schedule.refreshAt()).toNanos();
        long usableUntilNanos =
                startNanos + Duration.between(startedAt, schedule.usableUntil()).toNanos();
        return new CachedToken(
                answer.getToken(),
                startedAt,
                expiresAt,
                schedule,
                Math.min(refreshAtNanos, usableUntilNanos),
                usableUntilNanos);
    }

    /**
     * The result, waiting at most {@code timeout}; each waiter gets its own exception. {@code lastFailure} is asked
     * only when the wait times out, for the message.
     */
    CachedToken await(TokenKey key, Duration timeout, Supplier<Throwable> lastFailure) {
        try {
            return result.get(Math.max(0, saturatedNanos(timeout)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw TokenFailures.timedOut(key, timeout, lastFailure.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TokenUnavailableException tue) {
                // a new exception per waiter, with this waiter's stack, the shared one as cause's message
                throw new TokenUnavailableException(tue.getMessage(), tue.getCause());
            }
            throw TokenFailures.unavailable(key, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TokenFailures.interrupted(key, e);
        }
    }

    /** For diagnostics: how long this request has been running at {@code now} (ticker nanoseconds). */
    String describe(long now) {
        return "a token request has been running for " + TimeUnit.NANOSECONDS.toMillis(now - startNanos) + " ms";
    }

    /** {@code d} in nanoseconds, saturated at the bounds of a long instead of overflowing. */
    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
