package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Attempts of a driver that takes only a fixed password (r2dbc-mariadb): a driver factory built with the attempt's
 * token, kept while that token is current, so a new one is built once per rotation, not per connection.
 */
final class PerTokenDriverFactory implements Function<LoginAttempt, Publisher<? extends Connection>> {

    private final Function<String, ConnectionFactory> build;
    private final AtomicReference<Built> current = new AtomicReference<>();

    /** @param build the driver's factory for a password */
    PerTokenDriverFactory(Function<String, ConnectionFactory> build) {
        this.build = build;
    }

    @Override
    public Publisher<? extends Connection> apply(LoginAttempt attempt) {
        return attempt.token().flatMap(token -> Mono.from(factoryFor(token).create()));
    }

    private ConnectionFactory factoryFor(CachedToken token) {
        Built built = current.get();
        if (built != null && built.token.sameTokenAs(token)) {
            return built.factory;
        }
        // two attempts racing on a new token may both build one: cheap (no connection), and either serves
        Built fresh = new Built(token, build.apply(token.accessToken()));
        current.set(fresh);
        return fresh.factory;
    }

    private record Built(CachedToken token, ConnectionFactory factory) {
        @Override
        public String toString() {
            return "Built{" + token + '}'; // CachedToken's description holds no token
        }
    }
}
