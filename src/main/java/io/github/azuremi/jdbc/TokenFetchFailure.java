package io.github.azuremi.jdbc;

import java.time.Duration;

/**
 * A failed token request, as told to a {@link TokenListener}. Never contains a token.
 *
 * @param identity            the credential and identity it was for (never a secret)
 * @param scope               the scope it was requested for
 * @param cause               why it failed (its messages are scrubbed of anything token-shaped)
 * @param latency             how long the failed request took
 * @param consecutiveFailures failures in a row, including this one
 * @param nextAttemptIn       how long the library waits before asking the endpoint again
 * @param validTokenCached    whether a still-valid token keeps serving meanwhile
 */
public record TokenFetchFailure(
        String identity,
        String scope,
        Throwable cause,
        Duration latency,
        int consecutiveFailures,
        Duration nextAttemptIn,
        boolean validTokenCached) {}
