package io.github.azuremi.jdbc.internal.metrics;

import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Token metrics of one pool in a Micrometer registry. Loaded only when the user gives a registry, so that
 * Micrometer stays optional. Tags on every meter: {@code identity} (the managed identity's client id, or the
 * credential type; never a secret), {@code scope} and {@code pool}. Pools of the same identity and scope share
 * one token, so each of them counts the requests of that shared token.
 *
 * <ul>
 *   <li>{@value #FETCHES} (counter): token requests, tagged {@code outcome=success|failure},
 *       {@code kind=initial|refresh} (refresh: a still-valid token was being replaced) and {@code cause}
 *       ({@code none} for successes, else the simple class name of the failure, e.g. {@code TimeoutException})</li>
 *   <li>{@value #FETCH_LATENCY} (timer, p50/p95/p99, tagged {@code outcome}): how long requests took</li>
 *   <li>{@value #EXPIRES_IN} (gauge, seconds): time until the cached token expires (0 when there is none)</li>
 *   <li>{@value #CONSECUTIVE_FAILURES} (gauge): failed requests in a row (0 after a success)</li>
 *   <li>{@value #LAST_REFRESH_SUCCESS} (gauge): 1 if the last request succeeded (or none was made yet), 0 if it failed</li>
 * </ul>
 *
 * {@link #close()} removes the meters (the data source calls it when the pool closes), as HikariCP's own
 * Micrometer tracker does, so that a closed pool does not keep reporting a stale token.
 */
public final class MicrometerTokenMetrics implements TokenListener, AutoCloseable {

    public static final String PREFIX = "managed.identity.token";
    public static final String FETCHES = PREFIX + ".fetches";
    public static final String FETCH_LATENCY = PREFIX + ".fetch.latency";
    public static final String EXPIRES_IN = PREFIX + ".expires.in";
    public static final String CONSECUTIVE_FAILURES = PREFIX + ".refresh.failures.consecutive";
    public static final String LAST_REFRESH_SUCCESS = PREFIX + ".refresh.last.success";

    private final MeterRegistry registry;
    private final Tags tags;
    // Separate timers: a failure may be a 20 s timeout, which would drown the latency of successful requests.
    private final Timer successLatency;
    private final Timer failureLatency;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger lastSuccess = new AtomicInteger(1);
    private final List<Meter.Id> registered = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private MicrometerTokenMetrics(MeterRegistry registry, Tags tags, Supplier<CachedToken> current) {
        this.registry = registry;
        this.tags = tags;
        this.successLatency = track(latencyTimer("success").register(registry));
        this.failureLatency = track(latencyTimer("failure").register(registry));
        track(Gauge.builder(EXPIRES_IN, current, MicrometerTokenMetrics::secondsUntilExpiry)
                .tags(tags)
                .baseUnit("seconds")
                .description("Seconds until the cached access token expires (0 when there is none)")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(CONSECUTIVE_FAILURES, consecutiveFailures, AtomicInteger::get)
                .tags(tags)
                .description("Failed access-token requests in a row")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(LAST_REFRESH_SUCCESS, lastSuccess, AtomicInteger::get)
                .tags(tags)
                .description("1 if the last access-token request succeeded, else 0")
                .strongReference(true)
                .register(registry));
    }

    /**
     * Registers the meters of one pool and returns the listener that feeds them; the listener is also an
     * {@link AutoCloseable} that removes them.
     *
     * @param registry a {@code io.micrometer.core.instrument.MeterRegistry}
     */
    public static TokenListener register(Object registry, String poolName, String identity, TokenLease lease) {
        return register(registry, poolName, identity, lease.key().scope(), lease::current);
    }

    /**
     * As {@link #register(Object, String, String, TokenLease)}, for a user whose lease may be replaced (an R2DBC
     * factory's, registered again after an idle release).
     *
     * @param current the token held now, if any; never waits
     */
    public static TokenListener register(
            Object registry, String poolName, String identity, String scope, Supplier<CachedToken> current) {
        if (!(registry instanceof MeterRegistry meterRegistry)) {
            throw new IllegalArgumentException(
                    "meterRegistry must be an io.micrometer.core.instrument.MeterRegistry, was "
                            + (registry == null ? "null" : registry.getClass().getName()));
        }
        Tags tags = Tags.of("identity", identity, "scope", scope, "pool", poolName);
        return new MicrometerTokenMetrics(meterRegistry, tags, current);
    }

    private Timer.Builder latencyTimer(String outcome) {
        return Timer.builder(FETCH_LATENCY)
                .description("Duration of access-token requests to the identity endpoint")
                .tags(tags)
                .tag("outcome", outcome)
                .publishPercentiles(0.5, 0.95, 0.99);
    }

    private <M extends Meter> M track(M meter) {
        registered.add(meter.getId());
        return meter;
    }

    private static double secondsUntilExpiry(Supplier<CachedToken> current) {
        CachedToken token = current.get();
        return token == null
                ? 0
                : Math.max(0, Duration.between(Instant.now(), token.expiresAt()).toMillis() / 1000.0);
    }

    @Override
    public void onTokenFetched(TokenInfo info) {
        if (closed) {
            return;
        }
        successLatency.record(info.latency());
        consecutiveFailures.set(0);
        lastSuccess.set(1);
        count("success", info.refresh() ? "refresh" : "initial", "none");
    }

    @Override
    public void onTokenFetchFailed(TokenFetchFailure failure) {
        if (closed) {
            return;
        }
        failureLatency.record(failure.latency());
        consecutiveFailures.set(failure.consecutiveFailures());
        lastSuccess.set(0);
        Throwable cause = failure.cause();
        count(
                "failure",
                failure.validTokenCached() ? "refresh" : "initial",
                cause == null ? "unknown" : cause.getClass().getSimpleName());
    }

    /** One counter per tag combination, registered (and remembered for close) on its first use only. */
    private void count(String outcome, String kind, String cause) {
        counters.computeIfAbsent(
                        outcome + '|' + kind + '|' + cause,
                        k -> track(Counter.builder(FETCHES)
                                .description("Access-token requests to the identity endpoint")
                                .tags(tags)
                                .tag("outcome", outcome)
                                .tag("kind", kind)
                                .tag("cause", cause)
                                .register(registry)))
                .increment();
    }

    /** Removes this pool's meters from the registry. */
    @Override
    public void close() {
        closed = true;
        for (Meter.Id id : registered) {
            registry.remove(id);
        }
        registered.clear();
    }
}
