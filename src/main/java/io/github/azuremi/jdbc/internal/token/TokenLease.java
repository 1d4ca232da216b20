package io.github.azuremi.jdbc.internal.token;

import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One pool's use of a shared token: obtained from {@link TokenRegistry#register}, closed when the pool
 * closes. Thread-safe.
 *
 * <h2>What the pools of one identity and scope get from their {@link SharedToken}</h2>
 * <ul>
 *   <li><b>Single flight.</b> At most one request to the credential is in flight. Whoever needs a token
 *   while one runs (a pool without a token, the timer, a refused login) joins it.</li>
 *   <li><b>Refresh ahead.</b> After a token arrives, the timer asks for the next one at the point the
 *   {@link RefreshPolicy} chose; a read past that point also starts a refresh (timers starve on
 *   CPU-throttled hosts). Neither makes a reader wait: the current token serves until its usable end.</li>
 *   <li><b>Failures.</b> A failed refresh keeps the valid token serving; see {@link FailureStreak}.</li>
 *   <li><b>Refused tokens.</b> {@link #replaceRejected} joins the request in flight, if any, and only
 *   otherwise starts one; it needs none when the token was replaced already. See {@link RefusedTokens}.</li>
 *   <li><b>First token.</b> A pool's very first token is waited for as long as a request may take
 *   ({@code fetchTimeout}); later waits are bounded by the caller's timeout (the pool's
 *   {@code connectionTimeout}).</li>
 * </ul>
 */
public final class TokenLease implements AutoCloseable {

    private final TokenRegistry registry;
    private final SharedToken token;
    private final TokenListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether this pool got a token once: its later waits are bounded by the caller's timeout. */
    private volatile boolean hadToken;

    TokenLease(TokenRegistry registry, SharedToken token, TokenListener listener) {
        this.registry = registry;
        this.token = token;
        this.listener = listener;
    }

    /**
     * A token usable now. Returns at once when one is held (starting a refresh in the background if it is
     * due); otherwise waits for the single request in flight, at most {@code timeout} (before the first token
     * of this identity arrived: as long as a request may take, the fetch timeout, if that is longer).
     *
     * @throws TokenUnavailableException when no token can be had in time; the message names the
     *                                   credential, the scope and the cause
     */
    public CachedToken acquire(Duration timeout) {
        checkOpen();
        CachedToken result = token.acquire(Objects.requireNonNull(timeout), !hadToken);
        if (!hadToken) {
            // written once, not on every call: a volatile write per login made every thread of a busy pool
            // invalidate the others' cached copy of this field
            hadToken = true;
        }
        return result;
    }

    /**
     * The token held, if it is usable now and not yet due for refresh; else null. Never waits, fetches, starts a
     * request or takes a lock that another thread may hold for long (one read of the store and the clocks), so an
     * event-loop thread may call it: a reactive login takes this token at once, and otherwise calls {@link #acquire}
     * on a thread of its own (which also starts the refresh that is due).
     */
    public CachedToken usableNow() {
        if (closed.get()) {
            return null;
        }
        CachedToken held = current();
        TimeSource time = registry.time();
        if (held == null || time.read() - held.refreshAtNanos() >= 0 || held.isRefreshDue(time.instant())) {
            return null;
        }
        return held;
    }

    /**
     * Starts fetching the token now, in the background, unless one is held or requested: for a pool that knows it
     * will need one soon. A failure of that request is logged once and otherwise forgotten: the next
     * {@link #acquire} asks again and fails, if it does, as it would have without this call. Never waits or throws.
     */
    public void prefetch() {
        if (!closed.get()) {
            token.prefetch();
        }
    }

    /** Tells this lease's listener of a fetch that happened before it came (a prefetch's); once per token. */
    public void replayUnheardFetch() {
        if (listener != null) {
            token.events().replayUnheard(listener);
        }
    }

    /**
     * The token to retry with after the database refused {@code rejected}: the one that replaced it, or the
     * answer of the request in flight (joined), or of a new request; null if the refusal does not look like
     * the token's fault (a replacement was refused too), in which case retrying would not help.
     */
    public CachedToken replaceRejected(CachedToken rejected, Duration timeout) {
        checkOpen();
        return token.replaceRejected(Objects.requireNonNull(rejected), Objects.requireNonNull(timeout));
    }

    /**
     * Why no token can be handed out now (no token yet, a request running for how long, the last failure
     * and when the next attempt is due), or null when a usable token is held. Never contains a token and
     * never waits.
     */
    public String unavailableReason() {
        if (current() != null) {
            return null;
        }
        TokenKey key = token.key();
        return "no access token from " + key.credential() + " for scope " + key.scope() + " yet: "
                + token.requestState();
    }

    /** The token held, if any, without waiting or fetching; for diagnostics. */
    public CachedToken current() {
        CachedToken stored = registry.store().getIfPresent(token);
        return stored != null && stored.isUsable(registry.time().instant()) ? stored : null;
    }

    public TokenKey key() {
        return token.key();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            registry.release(token, listener);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("token lease for " + token.key() + " is closed");
        }
    }

    @Override
    public String toString() {
        return "TokenLease{" + token.key() + (closed.get() ? ", closed" : "") + '}';
    }
}
