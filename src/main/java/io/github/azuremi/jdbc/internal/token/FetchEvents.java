package io.github.azuremi.jdbc.internal.token;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the outcome of each request of one {@link SharedToken}: to the log and to the listeners of the pools
 * that use it. Called with no lock held; a listener that throws is logged and does not stop the others.
 */
final class FetchEvents {

    /** The token's own log category: these lines describe what the token did. */
    private static final Logger LOG = LoggerFactory.getLogger(SharedToken.class);

    private final TokenKey key;
    private final TimeSource time;
    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();

    FetchEvents(TokenKey key, TimeSource time) {
        this.key = key;
        this.time = time;
    }

    /** A success nobody listened to (a prefetch's, before its pool came): told to the next listener added. */
    @GuardedBy("this")
    private TokenInfo unheard;

    void addListener(TokenListener listener) {
        listeners.add(listener);
    }

    /** Tells {@code listener} of the success nobody heard, if any (once: the first pool that asks gets it). */
    void replayUnheard(TokenListener listener) {
        TokenInfo replay;
        synchronized (this) {
            replay = unheard;
            unheard = null;
        }
        if (replay != null) {
            notify(listener, l -> l.onTokenFetched(replay));
        }
    }

    void removeListener(TokenListener listener) {
        listeners.remove(listener);
    }

    /** {@code request} brought {@code token}, after {@code failuresBefore} failed requests in a row. */
    void succeeded(TokenRequest request, CachedToken token, Duration latency, int failuresBefore) {
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
        synchronized (this) {
            if (listeners.isEmpty()) {
                unheard = info;
                return;
            }
        }
        notifyListeners(listener -> listener.onTokenFetched(info));
    }

    /** {@code request} failed, the {@code failuresNow}th in a row; the next attempt is {@code backoffNanos} away. */
    void failed(
            TokenRequest request,
            Throwable failure,
            Duration latency,
            int failuresNow,
            long backoffNanos,
            Instant now) {
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
        notifyListeners(listener -> listener.onTokenFetchFailed(event));
    }

    private void notifyListeners(Consumer<TokenListener> event) {
        for (TokenListener listener : listeners) {
            notify(listener, event);
        }
    }

    private void notify(TokenListener listener, Consumer<TokenListener> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            LOG.debug("{}: token listener failed", key, e);
        }
    }
}
