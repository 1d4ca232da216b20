package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Attempts of a driver that takes only a fixed password (r2dbc-mariadb): a driver factory built with the attempt's
 * token, kept while that token is current, so a new one is built once per rotation, not per connection.
 *
 * <p>The driver reads files while it builds a factory (the {@code serverSslCert} it is given), and the first attempt
 * that sees a rotated token may run on an event loop or a pool's thread: the build runs on the library's own threads
 * ({@link TokenWaits}), never on the attempt's.
 */
final class PerTokenDriverFactory implements Function<LoginAttempt, Publisher<? extends Connection>> {

    private final Function<String, ConnectionFactory> build;
    private final Executor builds;
    private final AtomicReference<Built> current = new AtomicReference<>();

    /** @param build the driver's factory for a password */
    PerTokenDriverFactory(Function<String, ConnectionFactory> build) {
        this(build, TokenWaits.shared());
    }

    /** @param builds where the driver's factories are built; never a Reactor or Netty thread */
    PerTokenDriverFactory(Function<String, ConnectionFactory> build, Executor builds) {
        this.build = build;
        this.builds = builds;
    }

    @Override
    public Publisher<? extends Connection> apply(LoginAttempt attempt) {
        return attempt.token().flatMap(token -> factoryFor(token).flatMap(factory -> Mono.from(factory.create())));
    }

    private Mono<ConnectionFactory> factoryFor(CachedToken token) {
        Built built = current.get();
        if (built != null && built.token.sameTokenAs(token)) {
            return Mono.just(built.factory);
        }
        // two attempts racing on a new token may both build one: no connection is made, and either serves.
        // supplyAsync throws when every wait thread is busy: defer turns that into this attempt's error
        return Mono.defer(() -> Mono.fromFuture(CompletableFuture.supplyAsync(
                () -> {
                    Built fresh = new Built(token, build.apply(token.accessToken()));
                    current.set(fresh);
                    return fresh.factory;
                },
                builds)));
    }

    private record Built(CachedToken token, ConnectionFactory factory) {
        @Override
        public String toString() {
            return "Built{" + token + '}'; // CachedToken's description holds no token
        }
    }
}
