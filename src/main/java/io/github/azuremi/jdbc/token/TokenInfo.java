package io.github.azuremi.jdbc.token;

import java.time.Duration;
import java.time.Instant;

/**
 * What may be said about a token without revealing it: for listeners, logs and metrics.
 *
 * @param key         the identity and scope it is for
 * @param fetchedAt   when its request started
 * @param expiresAt   when it expires
 * @param refreshAt   when it will be refreshed
 * @param usableUntil the last instant it starts a login
 * @param latency     how long the request took
 * @param refresh     true if it replaced a token that was still valid
 */
public record TokenInfo(TokenKey key, Instant fetchedAt, Instant expiresAt, Instant refreshAt, Instant usableUntil,
                        Duration latency, boolean refresh) {}
