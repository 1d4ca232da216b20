package io.github.azuremi.jdbc.metrics;

import io.github.azuremi.jdbc.token.CachedToken;
import io.github.azuremi.jdbc.token.TokenInfo;
import io.github.azuremi.jdbc.token.TokenKey;
import io.github.azuremi.jdbc.token.TokenLease;
import io.github.azuremi.jdbc.token.TokenListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token metrics of one pool in a Micrometer registry. Loaded only when the user gives a registry, so that
 * Micrometer stays optional. Tags: {@code identity} (the managed identity's client id, or the credential
 * type; never a secret), {@code scope} and {@code pool}.
 *
 * <ul>
 *   <li>{@value #FETCHES} (counter): token requests, tagged {@code outcome=success|failure}, {@code kind=initial|refresh}
 *       and, for failures, {@code cause} (the exception's simple class name)</li>
 *   <li>{@value #FETCH_LATENCY} (timer, with p50/p95/p99): how long requests took</li>
 *   <li>{@value #EXPIRES_IN} (gauge, seconds): time until the cached token expires (0 when none)</li>
 *   <li>{@value #CONSECUTIVE_FAILURES} (gauge): failed requests in a row</li>
 *   <li>{@value #LAST_REFRESH_SUCCESS} (gauge): 1 if the last request succeeded, 0 if it failed</li>
 * </ul>
 */
public final class MicrometerTokenMetrics implements TokenListener {

  public static final String PREFIX = "managed.identity.token";
  public static final String FETCHES = PREFIX + ".fetches";
  public static final String FETCH_LATENCY = PREFIX + ".fetch.latency";
  public static final String EXPIRES_IN = PREFIX + ".expires.in";
  public static final String CONSECUTIVE_FAILURES = PREFIX + ".refresh.failures.consecutive";
  public static final String LAST_REFRESH_SUCCESS = PREFIX + ".refresh.last.success";

  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer latency;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicInteger lastSuccess = new AtomicInteger(1);

  private MicrometerTokenMetrics(MeterRegistry registry, Tags tags, TokenLease lease) {
    this.registry = registry;
    this.tags = tags;
    this.latency = Timer.builder(FETCH_LATENCY).description("Duration of token requests to the identity endpoint")
        .tags(tags).publishPercentiles(0.5, 0.95, 0.99).register(registry);
    Gauge.builder(EXPIRES_IN, lease, MicrometerTokenMetrics::secondsUntilExpiry).tags(tags).baseUnit("seconds")
        .description("Seconds until the cached token expires").register(registry);
    Gauge.builder(CONSECUTIVE_FAILURES, consecutiveFailures, AtomicInteger::get).tags(tags)
        .description("Failed token requests in a row").register(registry);
    Gauge.builder(LAST_REFRESH_SUCCESS, lastSuccess, AtomicInteger::get).tags(tags)
        .description("1 if the last token request succeeded, else 0").register(registry);
  }

  /**
   * Registers the meters of one pool and returns the listener that feeds them.
   *
   * @param registry a {@code io.micrometer.core.instrument.MeterRegistry}
   */
  public static TokenListener register(Object registry, String poolName, String identity, TokenLease lease) {
    if (!(registry instanceof MeterRegistry meterRegistry)) {
      throw new IllegalArgumentException("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry, was "
          + (registry == null ? "null" : registry.getClass().getName()));
    }
    Tags tags = Tags.of("identity", identity, "scope", lease.key().scope(), "pool", poolName);
    return new MicrometerTokenMetrics(meterRegistry, tags, lease);
  }

  private static double secondsUntilExpiry(TokenLease lease) {
    CachedToken token = lease.current();
    return token == null ? 0 : Math.max(0, Duration.between(Instant.now(), token.expiresAt()).toMillis() / 1000.0);
  }

  @Override
  public void onTokenFetched(TokenInfo info) {
    latency.record(info.latency());
    consecutiveFailures.set(0);
    lastSuccess.set(1);
    Counter.builder(FETCHES).tags(tags).tag("outcome", "success").tag("kind", info.refresh() ? "refresh" : "initial")
        .tag("cause", "none").register(registry).increment();
  }

  @Override
  public void onTokenFetchFailed(TokenKey key, Throwable cause, Duration latency, int failures, Duration nextAttemptIn,
                                 boolean validTokenCached) {
    this.latency.record(latency);
    consecutiveFailures.set(failures);
    lastSuccess.set(0);
    Counter.builder(FETCHES).tags(tags).tag("outcome", "failure").tag("kind", validTokenCached ? "refresh" : "initial")
        .tag("cause", cause == null ? "unknown" : cause.getClass().getSimpleName()).register(registry).increment();
  }
}
