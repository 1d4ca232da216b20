package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenStatus;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.Wrapped;
import java.io.Closeable;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A connection factory whose every new connection logs in with the identity's current access token as its password
 * and, when the server refuses that token, once more with a fresh one (the same rule as the data source).
 *
 * <p>How the driver takes the token is the driver's part ({@code connect}): r2dbc-postgresql asks a password
 * publisher once per attempt ({@link #throughContext}), r2dbc-mariadb needs a factory built with the token. Either
 * way the token comes from the {@link LoginAttempt} of that connection, which records it, so that a refusal replaces
 * exactly the token refused. Nothing here blocks: tokens come from a {@link ReactiveTokenSource}.
 *
 * <p>Holds a lease on the process-wide token: {@link #close()} releases it; so does an hour without a new connection
 * ({@link FactoryLease}: a pool on top never closes the factory below it, and an application may stop without closing
 * anything), after which the next connection registers it again.
 */
public final class TokenLoginConnectionFactory implements ConnectionFactory, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(TokenLoginConnectionFactory.class);
    /** The subscriber-context key of the attempt whose password the driver asks for. */
    private static final Object ATTEMPT = LoginAttempt.class;
    /** How deep {@link #find} looks: wrappers are a few levels at most, and a cycle must not loop. */
    private static final int MAX_WRAPPERS = 16;

    private final Function<LoginAttempt, Publisher<? extends Connection>> connect;
    private final ConnectionFactoryMetadata metadata;
    private final ReactiveTokenSource tokens;
    private final FactoryTokenUse use;
    private final Dialect dialect;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether a connection was asked for: until then no token is expected (as a data source before its start). */
    private volatile boolean started;
    /** The token metrics registered for this factory, removed when it closes. */
    private final List<AutoCloseable> metrics = new CopyOnWriteArrayList<>();

    /**
     * @param connect one connection attempt of the driver, logging in with the attempt's token
     * @param release releases the token lease (once)
     */
    TokenLoginConnectionFactory(
            Function<LoginAttempt, Publisher<? extends Connection>> connect,
            ConnectionFactoryMetadata metadata,
            ReactiveTokenSource tokens,
            FactoryTokenUse use,
            Dialect dialect,
            Runnable release) {
        this.connect = Objects.requireNonNull(connect);
        this.metadata = Objects.requireNonNull(metadata);
        this.tokens = Objects.requireNonNull(tokens);
        this.use = Objects.requireNonNull(use);
        this.dialect = Objects.requireNonNull(dialect);
        this.release = Objects.requireNonNull(release);
    }

    /**
     * The password of a driver that asks a publisher once per connection attempt, inside that attempt's subscription:
     * the token of the attempt in the subscriber context ({@link #throughContext}), else the current one.
     */
    static Publisher<CharSequence> passwordOfTheAttempt(ReactiveTokenSource tokens) {
        return Mono.deferContextual(context -> context.<LoginAttempt>getOrEmpty(ATTEMPT)
                .map(LoginAttempt::token)
                .orElseGet(tokens::token)
                .map(CachedToken::accessToken));
    }

    /** Attempts of {@code driver}, built with {@link #passwordOfTheAttempt}: the attempt rides in the context. */
    static Function<LoginAttempt, Publisher<? extends Connection>> throughContext(ConnectionFactory driver) {
        return attempt -> Mono.from(driver.create()).contextWrite(c -> c.put(ATTEMPT, attempt));
    }

    @Override
    public Mono<Connection> create() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(
                        new IllegalStateException("this connection factory is closed (" + tokens.describe() + ")"));
            }
            if (!started) {
                started = true;
            }
            LoginAttempt first = new LoginAttempt(tokens, null);
            return attempt(first)
                    .onErrorResume(
                            e -> first.used() != null && isRefusal(e),
                            refused -> tokens.replaceRejected(first.used())
                                    .switchIfEmpty(
                                            Mono.error(refused)) // a fresh token was refused too: not the token's fault
                                    .flatMap(fresh -> {
                                        LOG.debug(
                                                "{}: the database refused the token; one more login with a fresh one",
                                                tokens.describe());
                                        return attempt(new LoginAttempt(tokens, fresh));
                                    }));
        });
    }

    private Mono<Connection> attempt(LoginAttempt attempt) {
        return Mono.<Connection>from(connect.apply(attempt));
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
        return metadata;
    }

    /**
     * Our factory in {@code factory} or under the wrappers on top of it (r2dbc-pool, Spring Boot's options wrapper,
     * r2dbc-proxy: each an {@link Wrapped}); null when it is some other driver's.
     */
    public static TokenLoginConnectionFactory find(ConnectionFactory factory) {
        Object current = factory;
        for (int depth = 0; depth < MAX_WRAPPERS && current != null; depth++) {
            if (current instanceof TokenLoginConnectionFactory ours) {
                return ours;
            }
            current = current instanceof Wrapped<?> wrapped ? wrapped.unwrap() : null;
        }
        return null;
    }

    /**
     * Whether a usable token is held (and until when), or why not; null while no connection was asked for yet, or
     * since the token was released after the idle time without one (no token is expected then). Never waits and never contains the token: for health checks.
     */
    public TokenStatus tokenStatus() {
        if (!started) {
            return null;
        }
        TokenLease lease = use.lease().held();
        if (lease == null) {
            return null; // released after the idle time without a connection: none is expected until the next one
        }
        String reason = lease.unavailableReason();
        CachedToken token = lease.current();
        return new TokenStatus(reason == null, token == null ? null : token.expiresAt(), reason);
    }

    /** The identity and scope the tokens are for (no token in it), as the data source's token description. */
    public String tokenDescription() {
        return tokens.describe();
    }

    /** Told of every token request of this factory's identity and scope, until removed or the factory closes. */
    public void addTokenListener(TokenListener listener) {
        use.listeners().add(listener);
    }

    public void removeTokenListener(TokenListener listener) {
        use.listeners().remove(listener);
    }

    /**
     * Registers this factory's token metrics (those of the data source, tagged {@code pool=poolName} and the identity)
     * in {@code meterRegistry}, a Micrometer {@code MeterRegistry} (typed {@code Object}: Micrometer is optional).
     * They are removed by the returned handle, or when this factory closes.
     *
     * @throws IllegalStateException when this factory is closed
     */
    public AutoCloseable registerTokenMetrics(Object meterRegistry, String poolName) {
        if (closed.get()) {
            throw new IllegalStateException("this connection factory is closed (" + tokens.describe() + ")");
        }
        TokenListener listener = MicrometerTokenMetrics.register(
                meterRegistry, poolName, use.identityTag(), use.lease().key().scope(), use.lease()::current);
        AutoCloseable meters = (AutoCloseable) listener;
        AutoCloseable handle = new AutoCloseable() {
            private final AtomicBoolean done = new AtomicBoolean();

            @Override
            public void close() throws Exception {
                if (done.compareAndSet(false, true)) {
                    use.listeners().remove(listener);
                    metrics.remove(this);
                    meters.close();
                }
            }
        };
        use.listeners().add(listener);
        metrics.add(handle);
        if (closed.get()) { // closed meanwhile: its close may have missed this one
            closeQuietly(handle);
        }
        return handle;
    }

    /** Releases this factory's use of the token and removes its metrics; connections already open stay open. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            metrics.forEach(TokenLoginConnectionFactory::closeQuietly);
            release.run();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("could not remove the token metrics", e);
        }
    }

    @Override
    public String toString() {
        return "TokenLoginConnectionFactory{" + tokens.describe() + ", " + metadata.getName() + '}';
    }
}
