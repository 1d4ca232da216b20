package io.github.azuremi.jdbc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import io.github.azuremi.jdbc.testsupport.wire.NonLoopbackAddress;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Protocol;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Tls;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * Issue 10: every way found to make the token travel to a non-loopback server in clear text or over TLS that does
 * not verify the server, one row each, against the real drivers and a fake server on a non-loopback address of
 * this machine that records what it receives. Each row runs twice: against a server without TLS and against one
 * with a self-signed certificate for its own address (a man in the middle). The token must never arrive; each
 * row ends in a refusal at start whose message names the setting, or in a login the driver attempted over
 * verified TLS (which the self-signed server cannot pass).
 */
class TransportBypassTest {

    private static final InetAddress REMOTE = NonLoopbackAddress.get();
    private static final String VERIFIED = "verified TLS attempted";

    static Stream<Arguments> rows() {
        return Stream.of(
                // ---- PostgreSQL (pgjdbc) ----
                pg(
                        "?sslMode=require (camelCase: pgjdbc ignores it)",
                        "jdbc:postgresql://{remote}/app?sslMode=require",
                        Map.of(),
                        "sslMode is set in jdbcUrl or dataSourceProperties, but pgjdbc reads only sslmode"),
                pg(
                        "dataSource.SSLMODE=verify-full (upper case: ignored by pgjdbc)",
                        "jdbc:postgresql://{remote}/app",
                        Map.of("SSLMODE", "verify-full"),
                        "Rename it to sslmode"),
                pg("?ssl=false", "jdbc:postgresql://{remote}/app?ssl=false", Map.of(), "ssl=false"),
                pg(
                        "?sslmode=%64isable (URL-encoded)",
                        "jdbc:postgresql://{remote}/app?sslmode=%64isable", Map.of(), "sslmode=disable"),
                pg(
                        "multi-host localhost:1,REMOTE with sslmode=disable",
                        "jdbc:postgresql://localhost:1,{remote}/app?sslmode=disable",
                        Map.of(),
                        "sslmode=disable"),
                pg(
                        "multi-host localhost:1,REMOTE with defaults",
                        "jdbc:postgresql://localhost:1,{remote}/app",
                        Map.of(),
                        VERIFIED),
                pg(
                        "?host=REMOTE overriding localhost, sslmode=disable",
                        "jdbc:postgresql://localhost/app?host={host}&port={port}&sslmode=disable",
                        Map.of(),
                        "sslmode=disable"),
                pg(
                        "?host=REMOTE overriding localhost, defaults",
                        "jdbc:postgresql://localhost/app?host={host}&port={port}",
                        Map.of(),
                        VERIFIED),
                pg(
                        "127.anything.example is not loopback",
                        "jdbc:postgresql://127.anything.example:{port}/app?sslmode=disable",
                        Map.of(),
                        "sslmode=disable"),
                pg(
                        "127.0.0.01 is a name to Java, not loopback",
                        "jdbc:postgresql://127.0.0.01:{port}/app?sslmode=prefer",
                        Map.of(),
                        "sslmode=prefer"),
                pg(
                        "sslmode=require (encrypts, does not verify)",
                        "jdbc:postgresql://{remote}/app?sslmode=require",
                        Map.of(),
                        "sslmode=require"),
                pg(
                        "sslmode=verify-ca (no host name check)",
                        "jdbc:postgresql://{remote}/app?sslmode=verify-ca",
                        Map.of(),
                        "sslmode=verify-ca"),
                pg("sslmode=allow", "jdbc:postgresql://{remote}/app", Map.of("sslmode", "allow"), "sslmode=allow"),
                pg(
                        "verify-full with NonValidatingFactory",
                        "jdbc:postgresql://{remote}/app?sslmode=verify-full"
                                + "&sslfactory=org.postgresql.ssl.NonValidatingFactory",
                        Map.of(),
                        "sslfactory=org.postgresql.ssl.NonValidatingFactory"),
                pg(
                        "dataSource.sslmode=verify-full but the URL says disable (the URL wins in pgjdbc)",
                        "jdbc:postgresql://{remote}/app?sslmode=disable",
                        Map.of("sslmode", "verify-full"),
                        "sslmode=disable"),
                pg(
                        "socketFactory on localhost (may reroute anywhere)",
                        "jdbc:postgresql://localhost:{port}/app?sslmode=disable&socketFactory=javax.net.DefaultSocketFactory",
                        Map.of(),
                        "sslmode=disable"),
                pg("defaults", "jdbc:postgresql://{remote}/app", Map.of(), VERIFIED),
                // ---- MySQL (Connector/J) ----
                my(
                        "?sslmode=VERIFY_IDENTITY (lower-case key: ignored)",
                        "jdbc:mysql://{remote}/app?sslmode=VERIFY_IDENTITY",
                        Map.of(),
                        "Connector/J reads only sslMode"),
                my(
                        "dataSource.sslmode=VERIFY_IDENTITY",
                        "jdbc:mysql://{remote}/app",
                        Map.of("sslmode", "VERIFY_IDENTITY"),
                        "Rename it to sslMode"),
                my(
                        "?useSSL=true (PREFERRED to Connector/J)",
                        "jdbc:mysql://{remote}/app?useSSL=true",
                        Map.of(),
                        "useSSL=true"),
                my(
                        "?requireSSL=false (PREFERRED)",
                        "jdbc:mysql://{remote}/app?requireSSL=false",
                        Map.of(),
                        "requireSSL=false"),
                my(
                        "address=(host=REMOTE)(sslMode=DISABLED)",
                        "jdbc:mysql://address=(host={host})(port={port})(sslMode=DISABLED)/app",
                        Map.of(),
                        "sslMode=DISABLED"),
                my(
                        "sslMode=REQUIRED (encrypts, does not verify)",
                        "jdbc:mysql://{remote}/app?sslMode=REQUIRED",
                        Map.of(),
                        "sslMode=REQUIRED"),
                my(
                        "sslMode=VERIFY_CA (no host name check)",
                        "jdbc:mysql://{remote}/app?sslMode=VERIFY_CA",
                        Map.of(),
                        "sslMode=VERIFY_CA"),
                my(
                        "URL VERIFY_IDENTITY, dataSource.sslMode=DISABLED (properties win in Connector/J)",
                        "jdbc:mysql://{remote}/app?sslMode=VERIFY_IDENTITY",
                        Map.of("sslMode", "DISABLED"),
                        "sslMode=DISABLED"),
                my(
                        "failover localhost:1,REMOTE with useSSL=false",
                        "jdbc:mysql://localhost:1,{remote}/app?useSSL=false",
                        Map.of(),
                        "useSSL=false"),
                my(
                        "replication localhost,REMOTE with sslMode=PREFERRED",
                        "jdbc:mysql:replication://localhost:1,{remote}/app?sslMode=PREFERRED",
                        Map.of(),
                        "sslMode=PREFERRED"),
                my(
                        "127.anything.example with sslMode=DISABLED",
                        "jdbc:mysql://127.anything.example:{port}/app?sslMode=DISABLED",
                        Map.of(),
                        "sslMode=DISABLED"),
                my(
                        "traceProtocol=true (dumps the clear-password packet)",
                        "jdbc:mysql://{remote}/app?traceProtocol=true",
                        Map.of(),
                        "traceProtocol=true"),
                my("defaults", "jdbc:mysql://{remote}/app", Map.of(), VERIFIED),
                my(
                        "useSSL=false with an explicit sslMode=VERIFY_IDENTITY (sslMode wins)",
                        "jdbc:mysql://{remote}/app?useSSL=false&sslMode=VERIFY_IDENTITY",
                        Map.of(),
                        VERIFIED),
                // ---- SQL Server (mssql-jdbc, fake TDS server) ----
                ms(
                        "trustServerCertificate=true",
                        "jdbc:sqlserver://{remote};databaseName=app;trustServerCertificate=true",
                        Map.of(),
                        "trustServerCertificate=true"),
                ms(
                        "TRUSTSERVERCERTIFICATE=true (mssql-jdbc ignores case)",
                        "jdbc:sqlserver://{remote};databaseName=app;TRUSTSERVERCERTIFICATE=true",
                        Map.of(),
                        "trustServerCertificate=true"),
                ms(
                        "dataSource.trustServerCertificate=true",
                        "jdbc:sqlserver://{remote};databaseName=app",
                        Map.of("trustServerCertificate", "true"),
                        "trustServerCertificate=true"),
                ms(
                        "encrypt=false (encrypted, but any certificate)",
                        "jdbc:sqlserver://{remote};databaseName=app;encrypt=false",
                        Map.of(),
                        "encrypt=false"),
                ms(
                        "encrypt=optional",
                        "jdbc:sqlserver://{remote};databaseName=app;encrypt=optional",
                        Map.of(),
                        "encrypt=optional"),
                ms(
                        "failoverPartner=REMOTE from localhost with trustServerCertificate=true",
                        "jdbc:sqlserver://localhost:1;databaseName=app;failoverPartner={host};trustServerCertificate=true",
                        Map.of(),
                        "trustServerCertificate=true"),
                ms(
                        "defaults (certificate for the right name, self-signed)",
                        "jdbc:sqlserver://{remote};databaseName=app;hostNameInCertificate=localhost",
                        Map.of(),
                        VERIFIED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theTokenNeverReachesARemoteServerInClearTextOrOverUnverifiedTls(
            String name, String db, String url, Map<String, String> properties, String expected) throws Exception {
        if (db.equals("sqlserver")) {
            checkSqlServer(url, properties, expected);
            return;
        }
        Protocol protocol = db.equals("postgresql") ? Protocol.POSTGRESQL : Protocol.MYSQL;
        for (Tls tls : Tls.values()) {
            try (RecordingDatabaseServer server = new RecordingDatabaseServer(protocol, tls, REMOTE)) {
                String token = newToken();
                Throwable failure = start(fill(url, server.host(), server.port()), properties, token);
                assertThat(server.received(token))
                        .as("%s (%s server): the token arrived", name, tls)
                        .isFalse();
                if (expected.equals(VERIFIED)) {
                    assertThat(failure).as("%s (%s server)", name, tls).isInstanceOf(SQLException.class);
                    if (tls == Tls.SELF_SIGNED) {
                        assertThat(server.tlsRequests())
                                .as("%s: the driver asked for TLS", name)
                                .isPositive();
                    }
                } else {
                    assertRefused(failure, expected);
                    assertThat(server.connections())
                            .as("%s: refused before any connection", name)
                            .isZero();
                }
            }
        }
    }

    /**
     * The control: with the explicit opt-in, the same fakes do receive the token (in clear text, or through TLS with
     * the self-signed certificate), so the rows above would see it if it were sent.
     */
    @org.junit.jupiter.api.Test
    void withTheExplicitOptInTheFakesDoReceiveTheToken() throws Exception {
        try (RecordingDatabaseServer pg = new RecordingDatabaseServer(Protocol.POSTGRESQL, Tls.NONE, REMOTE);
                RecordingDatabaseServer pgMitm =
                        new RecordingDatabaseServer(Protocol.POSTGRESQL, Tls.SELF_SIGNED, REMOTE);
                RecordingDatabaseServer my = new RecordingDatabaseServer(Protocol.MYSQL, Tls.SELF_SIGNED, REMOTE);
                FakeTdsServer tds = FakeTdsServer.start(
                        t -> Optional.of("app@fake"), new FakeTdsServer.Options().bindAddress(REMOTE))) {
            String token = newToken();
            startAllowingInsecure(fill("jdbc:postgresql://{remote}/app?sslmode=disable", pg.host(), pg.port()), token);
            assertThat(pg.received(token)).as("PostgreSQL in clear text").isTrue();
            startAllowingInsecure(
                    fill("jdbc:postgresql://{remote}/app?sslmode=require", pgMitm.host(), pgMitm.port()), token);
            assertThat(pgMitm.received(token))
                    .as("PostgreSQL over unverified TLS")
                    .isTrue();
            startAllowingInsecure(fill("jdbc:mysql://{remote}/app?sslMode=REQUIRED", my.host(), my.port()), token);
            assertThat(my.received(token)).as("MySQL over unverified TLS").isTrue();
            startAllowingInsecure(
                    fill(
                            "jdbc:sqlserver://{remote};databaseName=app;trustServerCertificate=true",
                            REMOTE.getHostAddress(),
                            tds.port()),
                    token);
            assertThat(tds.lastToken()).as("SQL Server over unverified TLS").isEqualTo(token);
        }
    }

    private static void startAllowingInsecure(String url, String token) {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setPoolName("transport-control");
            ds.setJdbcUrl(url);
            if (!url.startsWith("jdbc:sqlserver:")) {
                ds.setUsername("app");
            }
            ds.setAllowUnverifiedTransport(true);
            ds.setTokenCredential(request ->
                    Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1))));
            ds.setConnectionTimeout(5_000);
            Throwable unused = catchThrowable(() -> ds.getConnection().close()); // only what reached the fake counts
        }
    }

    private void checkSqlServer(String url, Map<String, String> properties, String expected) throws Exception {
        String token = newToken();
        try (FakeTdsServer server =
                FakeTdsServer.start(t -> Optional.of("app@fake"), new FakeTdsServer.Options().bindAddress(REMOTE))) {
            Throwable failure = start(fill(url, REMOTE.getHostAddress(), server.port()), properties, token);
            assertThat(server.lastToken()).as("the token arrived").isNull();
            assertThat(server.logins()).isEmpty();
            if (expected.equals(VERIFIED)) {
                assertThat(failure).isInstanceOf(SQLException.class);
                assertThat(server.tlsHandshakeFailures() + server.connectionErrors())
                        .as("the driver refused the certificate")
                        .isPositive();
            } else {
                assertRefused(failure, expected);
            }
        }
    }

    private static void assertRefused(Throwable failure, String expected) {
        assertThat(failure)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("transport-test - ")
                .hasMessageContaining(expected);
    }

    /** Starts a pool as an application would and returns how its first getConnection failed. */
    private static Throwable start(String url, Map<String, String> properties, String token) {
        TokenCredential credential =
                request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setPoolName("transport-test");
            ds.setJdbcUrl(url);
            if (!url.startsWith("jdbc:sqlserver:")) {
                ds.setUsername("app");
            }
            ds.setTokenCredential(credential);
            ds.setConnectionTimeout(5_000);
            properties.forEach(ds::addDataSourceProperty);
            Throwable failure = catchThrowable(() -> {
                try (Connection c = ds.getConnection()) {
                    // a login succeeded: the fake servers never accept one
                }
            });
            assertThat(failure).as("the fake server never lets a login through").isNotNull();
            return unwrap(failure);
        }
    }

    private static Throwable unwrap(Throwable t) {
        // Hikari wraps a failed first connection in PoolInitializationException
        if (t.getClass().getSimpleName().equals("PoolInitializationException") && t.getCause() != null) {
            return t.getCause();
        }
        return t;
    }

    private static String fill(String url, String host, int port) {
        return url.replace("{remote}", host + ":" + port)
                .replace("{host}", host)
                .replace("{port}", Integer.toString(port));
    }

    /** JWT-shaped, unique per row, so that the leak detector would also see it in any log. */
    private static String newToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
        String claims = b64.encodeToString(
                ("{\"aud\":\"https://ossrdbms-aad.database.windows.net\",\"jti\":\"" + UUID.randomUUID() + "\"}")
                        .getBytes());
        return header + "." + claims + "."
                + b64.encodeToString(UUID.randomUUID().toString().getBytes());
    }

    private static Arguments pg(String name, String url, Map<String, String> props, String expected) {
        return Arguments.of(name, "postgresql", url, new LinkedHashMap<>(props), expected);
    }

    private static Arguments my(String name, String url, Map<String, String> props, String expected) {
        return Arguments.of(name, "mysql", url, new LinkedHashMap<>(props), expected);
    }

    private static Arguments ms(String name, String url, Map<String, String> props, String expected) {
        return Arguments.of(name, "sqlserver", url, new LinkedHashMap<>(props), expected);
    }
}
