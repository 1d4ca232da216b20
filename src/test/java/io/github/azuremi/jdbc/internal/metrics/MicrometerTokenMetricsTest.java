package io.github.azuremi.jdbc.internal.metrics;

import static io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics.CONSECUTIVE_FAILURES;
import static io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics.EXPIRES_IN;
import static io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics.FETCHES;
import static io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics.FETCH_LATENCY;
import static io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics.LAST_REFRESH_SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token metrics and HikariCP's pool metrics in a real {@link SimpleMeterRegistry}, fed by the real
 * azure-identity credential talking to the local managed-identity endpoint and a real PostgreSQL login.
 * Tokens live a few seconds here, so refreshes happen while the test watches.
 */
class MicrometerTokenMetricsTest {

    private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<ManagedIdentityDataSource> pools = new ArrayList<>();
    private TestDatabase db;
    private String role;

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_metrics");
        endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
    }

    @AfterEach
    void close() {
        pools.forEach(ManagedIdentityDataSource::close);
        endpoint.reset();
    }

    private ManagedIdentityDataSource pool(String name) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setPoolName(name);
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(UUID.randomUUID().toString()); // its own token key and MSAL cache entry
        ds.setConnectionTimeout(10_000);
        ds.setMaximumPoolSize(2);
        ds.setMinimumIdle(0);
        ds.setTokenRetryBackoff(200);
        ds.setTokenRetryMaxBackoff(400);
        ds.setMeterRegistry(registry);
        pools.add(ds);
        return ds;
    }

    @Test
    void theFirstTokenIsCountedTimedAndItsExpiryShown_andHikariPoolMetricsGoToTheSameRegistry() throws Exception {
        ManagedIdentityDataSource ds = pool("metrics-first");

        assertThat(currentUser(ds)).isEqualTo(role);

        assertThat(fetches("metrics-first", "success", "initial")).isEqualTo(1.0);
        assertThat(registry.find(FETCHES).tag("outcome", "failure").counters()).isEmpty();
        Timer latency = registry.get(FETCH_LATENCY)
                .tag("pool", "metrics-first")
                .tag("outcome", "success")
                .timer();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        assertThat(latency.takeSnapshot().percentileValues())
                .extracting(ValueAtPercentile::percentile)
                .containsExactly(0.5, 0.95, 0.99);
        // the endpoint issues 10-minute tokens by default
        assertThat(gauge(EXPIRES_IN, "metrics-first")).isBetween(540.0, 600.0);
        assertThat(gauge(CONSECUTIVE_FAILURES, "metrics-first")).isZero();
        assertThat(gauge(LAST_REFRESH_SUCCESS, "metrics-first")).isEqualTo(1.0);

        // tags: identity (the client id), scope, pool
        Meter.Id id =
                registry.get(EXPIRES_IN).tag("pool", "metrics-first").gauge().getId();
        assertThat(id.getTag("identity")).isEqualTo(ds.getManagedIdentityClientId());
        assertThat(id.getTag("scope")).isEqualTo(SCOPE);

        // HikariCP's own pool metrics, from the same setMeterRegistry call
        assertThat(registry.get("hikaricp.connections")
                        .tag("pool", "metrics-first")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(registry.get("hikaricp.connections.creation")
                        .tag("pool", "metrics-first")
                        .timer()
                        .count())
                .isGreaterThanOrEqualTo(1);
        assertNoTokenInAnyMeter();
    }

    @Test
    void aBackgroundRefreshIsCountedAsRefreshAndMovesTheExpiryOn() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(6)); // refreshed at 3-3.3 s
        ManagedIdentityDataSource ds = pool("metrics-refresh");
        currentUser(ds);
        double firstExpiry = gauge(EXPIRES_IN, "metrics-refresh");
        assertThat(firstExpiry).isBetween(3.0, 6.0);

        await(Duration.ofSeconds(10), () -> fetches("metrics-refresh", "success", "refresh") >= 1);

        assertThat(fetches("metrics-refresh", "success", "initial")).isEqualTo(1.0);
        assertThat(gauge(EXPIRES_IN, "metrics-refresh")).isGreaterThan(4.0);
        assertThat(registry.get(FETCH_LATENCY)
                        .tag("pool", "metrics-refresh")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isGreaterThanOrEqualTo(2);
        assertThat(currentUser(ds)).isEqualTo(role); // the refreshed token logs in
        assertThat(gauge(LAST_REFRESH_SUCCESS, "metrics-refresh")).isEqualTo(1.0);
    }

    @Test
    // 400 (for example an identity that is not attached): azure-core retries 5xx by itself, for seconds
    void failedRefreshesAreCountedInARowWithTheirCause_andTheGaugesRecoverWhenTheEndpointHeals() throws Exception {
        endpoint.setTokenLifetime(Duration.ofSeconds(6));
        ManagedIdentityDataSource ds = pool("metrics-failing");
        currentUser(ds);

        endpoint.setFault(Fault.HTTP_400);
        await(Duration.ofSeconds(15), () -> gauge(CONSECUTIVE_FAILURES, "metrics-failing") >= 2);

        assertThat(gauge(LAST_REFRESH_SUCCESS, "metrics-failing")).isZero();
        List<Counter> failures = List.copyOf(registry.find(FETCHES)
                .tag("pool", "metrics-failing")
                .tag("outcome", "failure")
                .counters());
        assertThat(failures).isNotEmpty();
        assertThat(failures)
                .allSatisfy(
                        c -> assertThat(c.getId().getTag("cause")).isNotBlank().isNotEqualTo("none"));
        assertThat(failures.stream().mapToDouble(Counter::count).sum()).isGreaterThanOrEqualTo(2.0);
        assertThat(registry.get(FETCH_LATENCY)
                        .tag("pool", "metrics-failing")
                        .tag("outcome", "failure")
                        .timer()
                        .count())
                .isGreaterThanOrEqualTo(2);

        endpoint.setFault(Fault.NONE);
        await(Duration.ofSeconds(10), () -> gauge(LAST_REFRESH_SUCCESS, "metrics-failing") == 1.0);

        assertThat(gauge(CONSECUTIVE_FAILURES, "metrics-failing")).isZero();
        assertThat(gauge(EXPIRES_IN, "metrics-failing")).isGreaterThan(4.0);
        assertThat(currentUser(ds)).isEqualTo(role);
        assertNoTokenInAnyMeter();
    }

    @Test
    void aFailedFirstRequestIsCountedAsAnInitialFailureAndTheRetryAsASuccess() throws Exception {
        endpoint.failNext(1, Fault.HTTP_400); // azure-core retries 5xx itself; a 400 reaches the library
        ManagedIdentityDataSource ds = pool("metrics-first-fails");
        ds.setInitializationFailTimeout(-1); // start the pool even though its first login fails: Hikari retries

        assertThat(currentUser(ds)).isEqualTo(role);

        List<Counter> failures = List.copyOf(registry.find(FETCHES)
                .tag("pool", "metrics-first-fails")
                .tag("outcome", "failure")
                .tag("kind", "initial")
                .counters());
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).count()).isEqualTo(1.0);
        assertThat(fetches("metrics-first-fails", "success", "initial")).isEqualTo(1.0);
        assertThat(gauge(CONSECUTIVE_FAILURES, "metrics-first-fails")).isZero();
    }

    @Test
    void closingThePoolRemovesItsMetersFromTheRegistry() throws Exception {
        ManagedIdentityDataSource ds = pool("metrics-closed");
        currentUser(ds);
        assertThat(registry.find(EXPIRES_IN).tag("pool", "metrics-closed").gauge())
                .isNotNull();

        ds.close();

        assertThat(registry.getMeters())
                .noneMatch(m -> "metrics-closed".equals(m.getId().getTag("pool")));
    }

    // ------------------------------------------------------------------------------------------------------

    private double fetches(String pool, String outcome, String kind) {
        Counter counter = registry.find(FETCHES)
                .tag("pool", pool)
                .tag("outcome", outcome)
                .tag("kind", kind)
                .counter();
        return counter == null ? 0.0 : counter.count();
    }

    private double gauge(String name, String pool) {
        Gauge gauge = registry.get(name).tag("pool", pool).gauge();
        return gauge.value();
    }

    private void assertNoTokenInAnyMeter() {
        List<String> tokens = endpoint.issuedTokens().stream()
                .map(LocalManagedIdentityEndpoint.IssuedToken::accessToken)
                .toList();
        for (Meter meter : registry.getMeters()) {
            for (Tag tag : meter.getId().getTags()) {
                assertThat(tag.getValue())
                        .as(meter.getId().getName() + " tag " + tag.getKey())
                        .doesNotContain("eyJ");
                tokens.forEach(t -> assertThat(tag.getValue()).doesNotContain(t));
            }
        }
    }

    private static String currentUser(ManagedIdentityDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    static void await(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + limit);
            }
            Thread.sleep(50);
        }
    }
}
