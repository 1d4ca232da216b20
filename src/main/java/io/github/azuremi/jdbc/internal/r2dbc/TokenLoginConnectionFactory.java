package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcException;
import java.io.Closeable;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A driver's connection factory whose every new connection logs in with the current access token as its password,
 * and, when the server refuses that token, once more with a fresh one (the same rule as the data source).
 *
 * <p>The driver asks for the password through the {@link #password} publisher it was built with, once per
 * connection attempt (r2dbc-postgresql resolves it after the TCP and TLS handshakes). Which attempt asks is carried
 * in the subscriber context: {@link #create()} writes an {@link Attempt} there, the password publisher records the
 * token it handed out in it, and a refusal replaces exactly that token. Nothing here blocks: tokens come from a
 * {@link ReactiveTokenSource}.
 *
 * <p>Holds a lease on the process-wide token: {@link #close()} releases it (a pool on top never closes the factory
 * below it, so an application that stops without closing keeps refreshing until the process ends).
 */
public final class TokenLoginConnectionFactory implements ConnectionFactory, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(TokenLoginConnectionFactory.class);
    private static final Object ATTEMPT = Attempt.class;

    private final ConnectionFactory driver;
    private final ReactiveTokenSource tokens;
    private final Dialect dialect;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param driver  builds the driver's factory around the password publisher it is given
     * @param release releases the token lease (once)
     */
    public TokenLoginConnectionFactory(
            Function<Publisher<CharSequence>, ConnectionFactory> driver,
            ReactiveTokenSource tokens,
            Dialect dialect,
            Runnable release) {
        this.tokens = Objects.requireNonNull(tokens);
        this.dialect = Objects.requireNonNull(dialect);
        this.release = Objects.requireNonNull(release);
        this.driver = Objects.requireNonNull(driver.apply(password(tokens)));
    }

    /**
     * The password of each attempt: the token the attempt was given (a retry's replacement), else the current one;
     * recorded in the attempt so that a refusal names the token refused.
     */
    static Publisher<CharSequence> password(ReactiveTokenSource tokens) {
        return Mono.deferContextual(context -> {
            Attempt attempt = context.getOrDefault(ATTEMPT, null);
            Mono<CachedToken> token =
                    attempt != null && attempt.given != null ? Mono.just(attempt.given) : tokens.token();
            return token.map(t -> {
                if (attempt != null) {
                    attempt.used = t;
                }
                return (CharSequence) t.accessToken();
            });
        });
    }

    @Override
    public Mono<Connection> create() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(
                        new IllegalStateException("this connection factory is closed (" + tokens.describe() + ")"));
            }
            Attempt first = new Attempt(null);
            return attempt(first)
                    .onErrorResume(
                            e -> first.used != null && isRefusal(e),
                            refused -> tokens.replaceRejected(first.used)
                                    .switchIfEmpty(
                                            Mono.error(refused)) // a fresh token was refused too: not the token's fault
                                    .flatMap(fresh -> {
                                        LOG.debug(
                                                "{}: the database refused the token; one more login with a fresh one",
                                                tokens.describe());
                                        return attempt(new Attempt(fresh));
                                    }));
        });
    }

    private Mono<Connection> attempt(Attempt attempt) {
        return Mono.<Connection>from(driver.create()).contextWrite(c -> c.put(ATTEMPT, attempt));
    }

    private boolean isRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof R2dbcException r && dialect.isAuthFailure(r.getSqlState(), r.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return driver.getMetadata();
    }

    /** Releases this factory's use of the token; connections already open stay open. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }

    @Override
    public String toString() {
        return "TokenLoginConnectionFactory{" + tokens.describe() + ", "
                + driver.getMetadata().getName() + '}';
    }

    /** One connection attempt: the token to use (a retry's) and the token that was used. */
    private static final class Attempt {
        final CachedToken given;
        volatile CachedToken used;

        Attempt(CachedToken given) {
            this.given = given;
        }
    }
}
