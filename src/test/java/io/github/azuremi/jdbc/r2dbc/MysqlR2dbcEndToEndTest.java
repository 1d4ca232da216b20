package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Azure Database for MySQL over r2dbc-mysql (io.asyncer), played by the local MariaDB, which checks each token as the
 * user's password. The driver takes the token from a password publisher that it subscribes once per connection; the
 * local user is {@code mysql_native_password} (Azure's token users are {@code aad_auth}, which asks for
 * {@code mysql_clear_password} over TLS), so the driver answers the server's native challenge with the token as the
 * password. BlockHound watches the driver's, Reactor's and the pool's threads.
 */
class MysqlR2dbcEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WHO = "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)";

    @RegisterExtension
    final R2dbcDatabase mysql = R2dbcDatabase.mysql();

    @Test
    void eachConnectionOfAPoolLogsInWithTheIdentitysTokenOverVerifiedTls() throws Exception {
        String clientId = mysql.newIdentity();
        ConnectionFactory pool = mysql.closeAfter(
                ConnectionFactories.get(mysql.verifiedUrl("pool:azuremi:", clientId) + "&initialSize=0&maxSize=4"));
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
            assertThat(row.get(0)).isEqualTo(mysql.role);
            assertThat(row.get(1)).as("the session is encrypted").startsWith("TLSv1.");
        });
        assertThat(mysql.endpoint.requestCount())
                .as("one token for every connection")
                .isEqualTo(1);
        assertThat(accountPlugin())
                .as("the only way the server lets the role in: the token as its native password")
                .isEqualTo("mysql_native_password");
    }

    @Test
    void withoutTheServersCaTheDefaultVerifiedTlsWithTheJdkTrustStoreRefusesTheServer() {
        ConnectionFactory factory =
                mysql.closeAfter(ConnectionFactories.get(mysql.url("azuremi:", mysql.newIdentity(), "")));

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                .hasStackTraceContaining("PKIX path building failed");
    }

    @Test
    void aTokenTheServerRefusesIsReplacedOnceAndTheLoginSucceeds() {
        // MSAL serves a token from its cache until 5 minutes before expiry: a shorter one makes "fresh" mean new
        mysql.endpoint.setTokenLifetime(Duration.ofMinutes(4));
        String clientId = mysql.newIdentity();
        ConnectionFactory factory = mysql.closeAfter(ConnectionFactories.get(mysql.verifiedUrl("azuremi:", clientId)));
        assertThat(R2dbcDatabase.row(factory, WHO).block(WAIT)).containsExactly(mysql.role);
        mysql.db.acceptToken(
                mysql.role, "not-the-token-" + clientId, Instant.now().plusSeconds(600));

        assertThat(R2dbcDatabase.row(factory, WHO)
                        .subscribeOn(Schedulers.parallel())
                        .block(WAIT))
                .containsExactly(mysql.role);
        assertThat(mysql.endpoint.requestCount())
                .as("the first token and its one replacement")
                .isEqualTo(2);
    }

    @Test
    void aTokenRefusedAgainAfterItsReplacementFailsWithTheServersRefusal() {
        mysql.endpoint.setTokenLifetime(Duration.ofMinutes(4));
        String clientId = mysql.newIdentity();
        ConnectionFactory factory = mysql.closeAfter(ConnectionFactories.get(mysql.verifiedUrl("azuremi:", clientId)));
        mysql.stopAccepting(clientId);
        mysql.db.acceptToken(
                mysql.role, "not-the-token-" + clientId, Instant.now().plusSeconds(600));

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, WHO).block(WAIT))
                .isInstanceOf(io.r2dbc.spi.R2dbcPermissionDeniedException.class)
                .satisfies(e -> assertThat(((io.r2dbc.spi.R2dbcException) e).getErrorCode())
                        .isEqualTo(1045));
        assertThat(mysql.endpoint.requestCount())
                .as("the first token and one replacement, no more")
                .isEqualTo(2);
    }

    private String accountPlugin() throws Exception {
        try (Connection admin = mysql.db.adminConnection();
                Statement s = admin.createStatement();
                ResultSet rs = s.executeQuery("SELECT plugin FROM mysql.user WHERE user = '" + mysql.role + "'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
