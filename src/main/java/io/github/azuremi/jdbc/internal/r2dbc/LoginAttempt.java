package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.token.CachedToken;
import reactor.core.publisher.Mono;

/**
 * One connection attempt: the token it is to use (a retry's replacement) or, if none, the current one from its
 * source; and the token it did use, so that a refusal replaces exactly that one.
 */
final class LoginAttempt {

    private final ReactiveTokenSource tokens;
    private final CachedToken given;
    private volatile CachedToken used;

    LoginAttempt(ReactiveTokenSource tokens, CachedToken given) {
        this.tokens = tokens;
        this.given = given;
    }

    /** The token of this attempt, recorded as used when the driver takes it. */
    Mono<CachedToken> token() {
        return (given != null ? Mono.just(given) : tokens.token()).doOnNext(t -> used = t);
    }

    /** The token the driver took, or null if it never asked (the attempt failed before the login). */
    CachedToken used() {
        return used;
    }
}
