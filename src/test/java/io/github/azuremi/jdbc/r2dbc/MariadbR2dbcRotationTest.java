package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Strict rotation of r2dbc-mariadb (a driver factory per token: {@code PerTokenDriverFactory}) against the local
 * MariaDB, as {@code PostgresR2dbcRotationTest} for r2dbc-postgresql, under an r2dbc-pool that retires every
 * connection after a second: tokens of 10 s (refreshed at
 * 5-5.5 s), an endpoint that takes 400 ms to answer and makes the server accept the new token (and refuse the
 * previous one, one password per user) before it answers. While a refresh is in flight the server refuses the token
 * the pool holds, so logins in that window are refused once and must join the refresh; none may reach the
 * application, and every request to the endpoint must be a refresh that was due. BlockHound watches every thread of
 * the pool, Reactor and Netty throughout.
 */
class MariadbR2dbcRotationTest {

    private static final Duration LIFETIME = Duration.ofSeconds(10);
    private static final Duration LATENCY = Duration.ofMillis(400);
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final int CONCURRENCY = 16;

    @RegisterExtension
    final R2dbcDatabase maria = R2dbcDatabase.mariadb().roleNamed("mi_r2dbc_rotation");

    @Test
    void underStrictRotationNoQueryFailsAndEveryEndpointRequestIsARefreshThatWasDue() throws Exception {
        maria.endpoint.setTokenLifetime(LIFETIME);
        maria.endpoint.setLatency(LATENCY);
        ConnectionFactory ours = ConnectionFactories.get(maria.verifiedUrl("azuremi:", maria.newIdentity()));
        ConnectionPool pool = maria.closeAfter(new ConnectionPool(ConnectionPoolConfiguration.builder(ours)
                .initialSize(0)
                .maxSize(8)
                .maxLifeTime(Duration.ofSeconds(1))
                .acquireRetry(0) // the pool's own retry would hide a failed login
                .build()));

        AtomicLong queries = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        long end = System.nanoTime() + RUN.toNanos();
        Flux.range(0, CONCURRENCY)
                .flatMap(
                        worker -> Mono.defer(() -> R2dbcDatabase.row(pool, "SELECT 1"))
                                .doOnNext(row -> queries.incrementAndGet())
                                .onErrorResume(e -> {
                                    errors.add(e);
                                    return Mono.empty();
                                })
                                .repeat(() -> System.nanoTime() < end),
                        CONCURRENCY)
                .blockLast(RUN.plusSeconds(60));

        // a refresh may be on its way when the run ends: let it arrive before counting
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (maria.endpoint.requestCount() != maria.endpoint.issuedCount() && System.nanoTime() < settle) {
            Thread.sleep(20);
        }
        List<IssuedToken> issued = maria.endpoint.issuedTokens();
        int requests = maria.endpoint.requestCount();
        long rotations = 0;
        long shortestGapMs = Long.MAX_VALUE;
        for (int i = 1; i < issued.size(); i++) {
            long gap = Duration.between(
                            issued.get(i - 1).issuedAt(), issued.get(i).issuedAt())
                    .toMillis();
            shortestGapMs = Math.min(shortestGapMs, gap);
            rotations++;
        }
        System.out.printf(
                "[r2dbc-mariadb-strict-rotation] queries=%d failures=%d endpointRequests=%d rotations=%d shortestGapMs=%d%n",
                queries.get(), errors.size(), requests, rotations, shortestGapMs);

        assertThat(errors).as("failed queries").isEmpty();
        assertThat(queries.get())
                .as("queries run (on a busy 2-core machine: hundreds)")
                .isGreaterThan(200);
        assertThat(requests)
                .as("endpoint requests = rotations + the first token")
                .isEqualTo(rotations + 1);
        // each request after the first came at the refresh point of the token before it (half of the 9-10 s the
        // client sees, plus jitter), never one forced by a refused login (those joined the refresh in flight, and would
        // follow a rotation within a second). The endpoint stamps tokens in whole seconds: 4.5 s may read as 4.
        assertThat(shortestGapMs).as("shortest time between two tokens (ms)").isGreaterThanOrEqualTo(4_000);
        assertThat(rotations).as("30 s of 10 s tokens refreshed after 5-5.5 s").isBetween(4L, 7L);
    }
}
