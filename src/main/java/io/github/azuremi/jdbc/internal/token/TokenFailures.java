package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The exceptions a {@link SharedToken} hands to its readers, and the checks that turn a credential's answer into
 * a failure. Kept apart so that the token's concurrency code reads as such; no method here touches its state.
 * Every text names the identity and scope but never a token value (failures go through {@link Redaction}).
 */
final class TokenFailures {

    private TokenFailures() {}

    /** The failure a reader gets for {@code cause}; a {@link TokenUnavailableException} is passed on as it is. */
    /** A prefetch failed: logged once, at info (it is not the pool's failure), and returned for its waiters. */
    static TokenUnavailableException prefetchFailed(TokenKey key, Throwable cause) {
        TokenUnavailableException unavailable = unavailable(key, cause);
        org.slf4j.LoggerFactory.getLogger(SharedToken.class)
                .info(
                        "{}; fetched ahead of the first connection, so the pool asks again when it opens one",
                        unavailable.getMessage());
        return unavailable;
    }

    static TokenUnavailableException unavailable(TokenKey key, Throwable cause) {
        if (cause instanceof TokenUnavailableException tue) {
            return tue;
        }
        return new TokenUnavailableException(
                "Could not get an access token from " + key.credential() + " for scope " + key.scope() + ": "
                        + Redaction.describe(cause),
                cause);
    }

    /** A reader's wait for the request in flight ended before the request did. */
    static TokenUnavailableException timedOut(TokenKey key, Duration timeout, Throwable previous) {
        return new TokenUnavailableException(
                "Could not get an access token from " + key.credential()
                        + " for scope " + key.scope() + " within " + timeout.toMillis()
                        + " ms: the identity endpoint has not answered yet"
                        + (previous == null
                                ? ""
                                : "; the previous request failed with " + Redaction.describe(previous)),
                previous);
    }

    static TokenUnavailableException interrupted(TokenKey key, InterruptedException e) {
        return new TokenUnavailableException(
                "Interrupted while waiting for an access token from " + key.credential() + " for scope " + key.scope(),
                e);
    }

    static IllegalStateException closed(TokenKey key) {
        return new IllegalStateException("the token of " + key + " is no longer in use (its last pool closed)");
    }

    /** What a request that the identity endpoint did not answer in time fails with. */
    static TimeoutException fetchTimedOut(Duration fetchTimeout) {
        return new TimeoutException("the identity endpoint did not answer within the token fetch timeout ("
                + fetchTimeout.toMillis() + " ms)");
    }

    /** An answer whose schedule cannot be computed is a failure, not a lost request. */
    static IllegalStateException unschedulable(AccessToken answer, RuntimeException e) {
        return new IllegalStateException("the credential returned a token whose schedule cannot be computed "
                + "(expires at " + answer.getExpiresAt() + "): " + e);
    }

    /** Why the credential's answer cannot be used as a token at {@code now}, or null when it can. */
    static Throwable checkAnswer(AccessToken token, Instant now) {
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

    /** The credential's own error inside the wrappers that futures and executors put around it. */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
