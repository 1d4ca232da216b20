package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.TestTls;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
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
 * Azure Database for PostgreSQL over R2DBC, played by the local PostgreSQL, which checks each token as the role's
 * password: the real azure-identity credential (pointed at the local endpoint by surefire), r2dbc-postgresql and
 * r2dbc-pool, with BlockHound failing any blocking call on their threads.
 */
class PostgresR2dbcEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final R2dbcDatabase pg = R2dbcDatabase.postgres();

    @Test
    void eachConnectionOfAPoolLogsInWithTheIdentitysTokenOverVerifiedTls() {
        String clientId = pg.newIdentity();
        ConnectionFactory pool = pg.closeAfter(
                ConnectionFactories.get(pg.verifiedUrl("pool:azuremi:", clientId) + "&initialSize=0&maxSize=4"));
        assertThat(pool).isInstanceOf(ConnectionPool.class);

        List<List<String>> rows = Flux.range(0, 12)
                .flatMap(
                        i -> R2dbcDatabase.row(
                                        pool,
                                        "SELECT current_user, s.ssl FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()")
                                .subscribeOn(Schedulers.parallel()),
                        4)
                .collectList()
                .block(WAIT);

        assertThat(rows).hasSize(12).containsOnly(List.of(pg.role, "true"));
        assertThat(pg.endpoint.requestCount())
                .as("one token for every connection")
                .isEqualTo(1);
    }

    @Test
    void withoutTheServersCaInTheTrustStoreTheDefaultVerifiedTlsRefusesTheServerBeforeTheTokenIsSent() {
        ConnectionFactory factory = pg.closeAfter(ConnectionFactories.get(pg.url("azuremi:", pg.newIdentity(), "")));

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                .hasStackTraceContaining("PKIX path building failed");
        assertThat(pg.endpoint.requestCount())
                .as("the driver asks for the password only after TLS: no token was even fetched")
                .isZero();
    }

    @Test
    void aTokenTheServerRefusesIsReplacedOnceAndTheLoginSucceeds() {
        // MSAL serves a token from its cache until 5 minutes before expiry: a shorter one makes "fresh" mean new
        pg.endpoint.setTokenLifetime(Duration.ofMinutes(4));
        String clientId = pg.newIdentity();
        ConnectionFactory factory = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("azuremi:", clientId)));
        assertThat(R2dbcDatabase.row(factory, "SELECT current_user").block(WAIT))
                .containsExactly(pg.role);
        // the server forgets the token (a password reset, a token revoked): the cached one is refused now
        pg.db.acceptToken(pg.role, "not-the-token-" + clientId, Instant.now().plusSeconds(600));

        assertThat(R2dbcDatabase.row(factory, "SELECT current_user")
                        .subscribeOn(Schedulers.parallel())
                        .block(WAIT))
                .containsExactly(pg.role);
        assertThat(pg.endpoint.requestCount())
                .as("the first token and its one replacement")
                .isEqualTo(2);
    }

    @Test
    void whenTheFreshTokenIsRefusedTooTheServersAnswerReachesTheApplicationWithoutAThirdRequest() {
        // MSAL serves a token from its cache until 5 minutes before expiry: a shorter one makes "fresh" mean new
        pg.endpoint.setTokenLifetime(Duration.ofMinutes(4));
        String clientId = pg.newIdentity();
        ConnectionFactory factory = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("azuremi:", clientId)));
        R2dbcDatabase.row(factory, "SELECT 1").block(WAIT);
        pg.stopAccepting(clientId); // the role is no longer mapped to this identity
        pg.db.acceptToken(pg.role, "not-the-token-" + clientId, Instant.now().plusSeconds(600));

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                .isInstanceOf(R2dbcException.class)
                .satisfies(e -> assertThat(((R2dbcException) e).getSqlState()).isEqualTo("28P01"));
        assertThat(pg.endpoint.requestCount()).isEqualTo(2);
    }

    @Test
    void aJdbcPoolAndAnR2dbcPoolOfOneIdentityShareOneToken() throws Exception {
        String clientId = pg.newIdentity();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(pg.db.jdbcUrl());
            ds.setUsername(pg.role);
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(clientId);
            ds.addDataSourceProperty("sslmode", "verify-full");
            ds.addDataSourceProperty("sslrootcert", TestTls.caFile());
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
            ConnectionFactory pool = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("pool:azuremi:", clientId)));

            assertThat(R2dbcDatabase.row(pool, "SELECT current_user").block(WAIT))
                    .containsExactly(pg.role);
            assertThat(pg.endpoint.requestCount())
                    .as("one request for both pools")
                    .isEqualTo(1);
        }
    }

    @Test
    void theTokenIsInNoDescriptionOfTheFactory() {
        String clientId = pg.newIdentity();
        ConnectionFactory pool = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("pool:azuremi:", clientId)));
        R2dbcDatabase.row(pool, "SELECT 1").block(WAIT);
        String token = pg.endpoint.issuedTokens().get(0).accessToken();

        assertThat(pool.toString()).doesNotContain(token);
        assertThat(((ConnectionPool) pool).unwrap().toString())
                .doesNotContain(token)
                .contains(clientId);
    }
}
