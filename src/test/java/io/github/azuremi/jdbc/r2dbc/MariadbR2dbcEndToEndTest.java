package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Azure Database for MySQL over r2dbc-mariadb, played by the local MariaDB, which checks each token as the user's
 * (mysql_native_password) password. r2dbc-mariadb takes only a fixed password: a driver factory is built per token.
 * BlockHound watches the driver's, Reactor's and the pool's threads.
 */
class MariadbR2dbcEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WHO = "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)";

    @RegisterExtension
    final R2dbcDatabase maria = R2dbcDatabase.mariadb();

    @Test
    void eachConnectionOfAPoolLogsInWithTheIdentitysTokenOverVerifiedTls() {
        String clientId = maria.newIdentity();
        ConnectionFactory pool = maria.closeAfter(
                ConnectionFactories.get(maria.verifiedUrl("pool:azuremi:", clientId) + "&initialSize=0&maxSize=4"));
        assertThat(pool).isInstanceOf(ConnectionPool.class);

        List<List<String>> rows = Flux.range(0, 12)
                .flatMap(
                        i -> R2dbcDatabase.row(
                                        pool,
                                        WHO + ", (SELECT VARIABLE_VALUE FROM information_schema"
                                                + ".SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version')")
                                .subscribeOn(Schedulers.parallel()),
                        4)
                .collectList()
                .block(WAIT);

        assertThat(rows).hasSize(12).allSatisfy(row -> {
            assertThat(row.get(0)).isEqualTo(maria.role);
            assertThat(row.get(1)).as("the session is encrypted").startsWith("TLSv1.");
        });
        assertThat(maria.endpoint.requestCount())
                .as("one token for every connection")
                .isEqualTo(1);
    }

    @Test
    void withoutTheServersCaTheDefaultVerifiedTlsWithTheJdkTrustStoreRefusesTheServer() {
        ConnectionFactory factory =
                maria.closeAfter(ConnectionFactories.get(maria.url("azuremi:", maria.newIdentity(), "")));

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                .hasStackTraceContaining("PKIX path building failed");
    }

    @Test
    void aTokenTheServerRefusesIsReplacedOnceAndTheLoginSucceeds() {
        // MSAL serves a token from its cache until 5 minutes before expiry: a shorter one makes "fresh" mean new
        maria.endpoint.setTokenLifetime(Duration.ofMinutes(4));
        String clientId = maria.newIdentity();
        ConnectionFactory factory = maria.closeAfter(ConnectionFactories.get(maria.verifiedUrl("azuremi:", clientId)));
        assertThat(R2dbcDatabase.row(factory, WHO).block(WAIT)).containsExactly(maria.role);
        maria.db.acceptToken(
                maria.role, "not-the-token-" + clientId, Instant.now().plusSeconds(600));

        assertThat(R2dbcDatabase.row(factory, WHO)
                        .subscribeOn(Schedulers.parallel())
                        .block(WAIT))
                .containsExactly(maria.role);
        assertThat(maria.endpoint.requestCount())
                .as("the first token and its one replacement")
                .isEqualTo(2);
    }
}
