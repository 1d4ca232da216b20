package io.github.azuremi.jdbc.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TimeSource;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The retry-once rule of behaviour 7, with a stub login that plays the database. */
class TokenAuthenticatingDataSourceTest {

    private final AtomicInteger issued = new AtomicInteger();
    private final TokenRegistry cache = new TokenRegistry(
            TimeSource.system(), (task, delay) -> new CompletableFuture<>(), Runnable::run, () -> 0.0);
    private final TokenLease lease = cache.register(
            new TokenKey(
                    CredentialSource.of(request -> Mono.fromCallable(() -> new AccessToken(
                            "tok-" + issued.incrementAndGet(),
                            OffsetDateTime.now().plusHours(1)))),
                    "https://ossrdbms-aad.database.windows.net/.default",
                    null),
            TokenSettings.DEFAULTS,
            null);
    private final List<String> loginsWith = new ArrayList<>();

    @AfterEach
    void close() {
        lease.close();
    }

    private TokenAuthenticatingDataSource dataSource(
            Dialect dialect, java.util.function.Predicate<String> accepts, String refusalState, int refusalCode) {
        return new TokenAuthenticatingDataSource("pool", dialect, "app", lease, (user, token, timeout) -> {
            loginsWith.add(token.accessToken());
            if (!accepts.test(token.accessToken())) {
                throw new SQLException("password authentication failed for user \"app\"", refusalState, refusalCode);
            }
            return fakeConnection();
        });
    }

    @Test
    void aRefusedCachedTokenIsReplacedAndTheLoginRetriedOnce() throws SQLException {
        TokenAuthenticatingDataSource ds = dataSource(Dialect.POSTGRESQL, t -> !t.equals("tok-1"), "28P01", 0);
        try (Connection c = ds.getConnection()) {
            assertThat(c).isNotNull();
        }
        assertThat(loginsWith).containsExactly("tok-1", "tok-2");
        assertThat(issued).hasValue(2);
    }

    @Test
    void mysqlAccessDeniedCountsAsARefusal() throws SQLException {
        TokenAuthenticatingDataSource ds = dataSource(Dialect.MYSQL, t -> !t.equals("tok-1"), "28000", 1045);
        ds.getConnection().close();
        assertThat(loginsWith).containsExactly("tok-1", "tok-2");
    }

    @Test
    void otherFailuresAreNotRetriedAndFetchNoToken() {
        TokenAuthenticatingDataSource ds = dataSource(Dialect.POSTGRESQL, t -> false, "08001", 0);
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("authentication failed");
        assertThat(loginsWith).containsExactly("tok-1");
        assertThat(issued).hasValue(1);
    }

    @Test
    void aRefusalThatAFreshTokenDoesNotCureExplainsTheRoleMapping() {
        TokenAuthenticatingDataSource ds = dataSource(Dialect.POSTGRESQL, t -> false, "28P01", 0);
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                .hasMessageContaining("refused a current access token")
                .hasMessageContaining("user \"app\"")
                .hasMessageContaining("pgaadauth_create_principal")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("tok-"));
        assertThat(loginsWith).containsExactly("tok-1", "tok-2");

        // and the next attempt moments later does not fetch yet another token
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLInvalidAuthorizationSpecException.class);
        assertThat(issued).hasValue(2);
    }

    @Test
    void whenTheCredentialReturnsTheSameTokenTheLoginIsNotRepeated() {
        TokenLease sticky = new TokenRegistry(
                        TimeSource.system(), (task, delay) -> new CompletableFuture<>(), Runnable::run, () -> 0.0)
                .register(
                        new TokenKey(
                                CredentialSource.of(r -> Mono.just(new AccessToken(
                                        "cached-by-msal", OffsetDateTime.now().plusHours(24)))),
                                "https://ossrdbms-aad.database.windows.net/.default",
                                null),
                        TokenSettings.DEFAULTS,
                        null);
        TokenAuthenticatingDataSource ds =
                new TokenAuthenticatingDataSource("pool", Dialect.POSTGRESQL, "app", sticky, (user, token, timeout) -> {
                    loginsWith.add(token.accessToken());
                    throw new SQLException("password authentication failed", "28P01");
                });
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                .hasMessageContaining("returned the same token again");
        assertThat(loginsWith).containsExactly("cached-by-msal");
        sticky.close();
    }

    @Test
    void noTokenIsATransientConnectionFailureNamingTheCause() {
        TokenLease broken = new TokenRegistry(TimeSource.system(), RefreshTimer.daemon(), Runnable::run, () -> 0.0)
                .register(
                        new TokenKey(
                                CredentialSource.of(r -> Mono.error(new IllegalStateException("no identity here"))),
                                "https://ossrdbms-aad.database.windows.net/.default",
                                null),
                        TokenSettings.DEFAULTS,
                        null);
        TokenAuthenticatingDataSource ds = new TokenAuthenticatingDataSource(
                "pool-x", Dialect.POSTGRESQL, "app", broken, (u, t, timeout) -> fakeConnection());
        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageStartingWith("pool-x - ")
                .hasMessageContaining("ossrdbms-aad")
                .hasMessageContaining("no identity here");
        broken.close();
    }

    private static Connection fakeConnection() {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> method.getReturnType() == boolean.class ? false : null);
    }
}
