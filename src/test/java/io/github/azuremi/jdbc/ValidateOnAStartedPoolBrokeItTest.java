package io.github.azuremi.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.internal.token.TimeSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code validate()} is public (HikariConfig's). Called on a pool that had started, it wired a second token lease,
 * closing the running pool's lease first, and only then did Hikari's sealed configuration refuse the new data source:
 * every later login of the running pool failed with "token lease ... is closed". Called after close, it registered a
 * token again that nothing would release (the start that waited for Hikari's lock while the pool closed does the same).
 */
class ValidateOnAStartedPoolBrokeItTest {

    private static final TokenCredential STATIC =
            r -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1)));

    private static TokenRegistry registry() {
        return new TokenRegistry(
                TimeSource.system(), (task, delay) -> new CompletableFuture<>(), Runnable::run, () -> 0.0);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ManagedIdentityDataSource dataSource(TokenRegistry registry, int port) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setTokenRegistry(registry);
        ds.setPoolName("validate-twice");
        ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/app");
        ds.setUsername("app");
        ds.setTokenCredential(STATIC);
        ds.setInitializationFailTimeout(-1); // starts without a first connection
        ds.setConnectionTimeout(250);
        return ds;
    }

    @Test
    void validateOnARunningPool_isRefusedAndLeavesItsTokenLeaseOpen() throws Exception {
        TokenRegistry registry = registry();
        int port = closedPort();
        try (ManagedIdentityDataSource ds = dataSource(registry, port)) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class); // started; no server there
            assertThat(ds.isRunning()).isTrue();
            DataSource logins = ds.getDataSource();

            assertThatThrownBy(ds::validate).isInstanceOf(IllegalStateException.class);

            assertThat(ds.getDataSource()).isSameAs(logins);
            // the running pool's logins still get a token (and then find no server), not a closed lease
            assertThatThrownBy(logins::getConnection)
                    .isInstanceOf(SQLException.class)
                    .hasStackTraceContaining("Connection refused");
            assertThat(registry.keyCount()).isEqualTo(1);
        }
        assertThat(registry.keyCount()).as("close releases the token").isZero();
    }

    @Test
    void validateAfterClose_isRefusedAndRegistersNoToken() throws Exception {
        TokenRegistry registry = registry();
        ManagedIdentityDataSource ds = dataSource(registry, closedPort());
        ds.close();
        assertThatThrownBy(ds::validate).isInstanceOf(IllegalStateException.class);
        assertThat(registry.keyCount())
                .as("nothing would release a token registered now")
                .isZero();
    }
}
