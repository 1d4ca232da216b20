package io.github.azuremi.jdbc.internal.token;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The refusals a {@link SharedToken} has already answered: the last few refused token values for which a
 * replacement was requested or joined, and when a replacement was last forced. A token value gets at most one
 * replacement request, and replacements are at least {@link SharedToken#FORCED_REFRESH_MIN_INTERVAL} apart (a fresh
 * token refused too means the identity is not mapped, and more tokens would not help).
 *
 * <p>Not thread-safe: the token holds it in a field guarded by its lock and calls it only under that lock. It holds
 * token values: never log or print it.
 */
final class RefusedTokens {

    /** Enough for the tokens that can still be in use while replacements follow each other. */
    private static final int REMEMBERED = 8;

    private final Deque<String> values = new ArrayDeque<>();
    private long lastForcedNanos;
    private boolean forcedOnce;

    /**
     * Whether another replacement for {@code rejected} would not help: one of the same value was requested already,
     * or one was forced less than {@link SharedToken#FORCED_REFRESH_MIN_INTERVAL} before {@code now}.
     */
    boolean replacementUseless(CachedToken rejected, long now) {
        return values.contains(rejected.accessToken())
                || (forcedOnce && now - lastForcedNanos < SharedToken.FORCED_REFRESH_MIN_INTERVAL.toNanos());
    }

    /** {@code rejected} gets (or joined) a replacement request. */
    void remember(CachedToken rejected) {
        if (!values.contains(rejected.accessToken())) {
            values.addLast(rejected.accessToken());
            if (values.size() > REMEMBERED) {
                values.removeFirst();
            }
        }
    }

    /** A replacement request was started at {@code now} for a refused token. */
    void forced(long now) {
        lastForcedNanos = now;
        forcedOnce = true;
    }
}
