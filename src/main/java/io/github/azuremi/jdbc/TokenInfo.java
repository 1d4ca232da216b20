package io.github.azuremi.jdbc;

import java.time.Duration;
import java.time.Instant;

/**
 * What may be said about a token without revealing it: for listeners, logs and metrics.
 *
 * @param identity    the credential and identity it is for (a description such as
 *                    {@code managed identity (client id ...)}; never a secret)
 * @param scope       the scope it was requested for
 * @param fetchedAt   when its request started
 * @param expiresAt   when it expires
 * @param refreshAt   when it will be refreshed
 * @param usableUntil the last instant it starts a login
 * @param latency     how long the request took
 * @param refresh     true if it replaced a token that was still valid
 */
public record TokenInfo(
        String identity,
        String scope,
        Instant fetchedAt,
        Instant expiresAt,
        Instant refreshAt,
        Instant usableUntil,
        Duration latency,
        boolean refresh) {}
