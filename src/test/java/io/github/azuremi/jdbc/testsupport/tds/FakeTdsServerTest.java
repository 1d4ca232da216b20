package io.github.azuremi.jdbc.testsupport.tds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.sqlserver.jdbc.SQLServerConnectionPoolDataSource;
import com.microsoft.sqlserver.jdbc.SQLServerDataSource;
import com.microsoft.sqlserver.jdbc.SQLServerDriver;
import com.microsoft.sqlserver.jdbc.SqlAuthenticationToken;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.Encryption;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.LoginAttempt;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.TokenPath;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.PooledConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fake TDS endpoint against the real mssql-jdbc driver. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FakeTdsServerTest {

    private static final String GOOD_TOKEN = "eyJ0eXAiOiJKV1QifQ.good-token-for-app-mi.sig";
    private static final String BAD_TOKEN = "eyJ0eXAiOiJKV1QifQ.expired-token.sig";
    private static final String PRINCIPAL = "app-mi";

    /** Tokens the test "issued", each with the principal it identifies. */
    private final Map<String, String> issued = new ConcurrentHashMap<>(Map.of(GOOD_TOKEN, PRINCIPAL));

    private final List<String> callbackArgs = new CopyOnWriteArrayList<>();
    private FakeTdsServer server;

    /**
     * These tests drive mssql-jdbc directly, without this library, whose login is what holds the packet dumps back:
     * at FINEST (the suite's secret scan runs every logger at FINEST) the raw driver would hex-dump these tests' own
     * tokens. SqlServerPacketLogTest shows both sides; here the two packet loggers stay at FINE.
     */
    private static final java.util.List<java.util.logging.Logger> PACKET_LOGGERS = java.util.List.of(
            java.util.logging.Logger.getLogger("com.microsoft.sqlserver.jdbc.internals.TDS.DATA"),
            java.util.logging.Logger.getLogger("com.microsoft.sqlserver.jdbc.internals.TDS.Channel"));

    @org.junit.jupiter.api.BeforeAll
    static void noRawPacketDumps() {
        org.slf4j.LoggerFactory.getLogger(
                FakeTdsServerTest.class); // logback first: its start resets java.util.logging levels
        PACKET_LOGGERS.forEach(l -> l.setLevel(java.util.logging.Level.FINE));
    }

    @org.junit.jupiter.api.AfterAll
    static void packetLoggersBack() {
        PACKET_LOGGERS.forEach(l -> l.setLevel(null));
    }

    @BeforeEach
    void start() {
        server = FakeTdsServer.start(token -> Optional.ofNullable(issued.get(token)));
    }

    @AfterEach
    void stop() {
        server.close();
        // a protocol error inside the fake would otherwise only show up as a vague driver error
        assertThat(server.lastConnectionError())
                .as("connection errors in the fake")
                .isEmpty();
    }

    private SQLServerDataSource callbackDataSource(String url, String token) {
        SQLServerDataSource ds = new SQLServerDataSource();
        ds.setURL(url);
        ds.setAccessTokenCallback((spn, stsUrl) -> {
            callbackArgs.add(spn);
            callbackArgs.add(stsUrl);
            return new SqlAuthenticationToken(token, System.currentTimeMillis() + 3_600_000);
        });
        return ds;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static Object queryOne(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            Object value = rs.getObject(1);
            assertThat(rs.next()).isFalse();
            return value;
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Encryption.class,
            names = {"STRICT", "TLS_IN_PRELOGIN"})
    void callbackLoginThenSelectOneAndSuserSname(Encryption encryption) throws Exception {
        SQLServerDataSource ds = callbackDataSource(server.jdbcUrl("app", encryption), GOOD_TOKEN);

        try (Connection c = ds.getConnection()) {
            assertThat(queryOne(c, "SELECT 1")).isEqualTo(1);
            assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo(PRINCIPAL);
            assertThat(queryOne(c, "select db_name()")).isEqualTo("app");
            assertThat(c.getCatalog()).isEqualTo("app");
            assertThat(c.isValid(5)).isTrue();
            assertThat(c.getMetaData().getDatabaseMajorVersion()).isEqualTo(16);
        }

        assertThat(server.acceptedLogins()).isEqualTo(1);
        assertThat(server.refusedLogins()).isZero();
        assertThat(server.lastToken()).isEqualTo(GOOD_TOKEN);
        LoginAttempt login = server.logins().get(0);
        assertThat(login.path()).isEqualTo(TokenPath.FEDAUTH_TOKEN_MESSAGE);
        assertThat(login.encryption()).isEqualTo(encryption);
        assertThat(login.workflow()).as("ADALWORKFLOW_ACCESSTOKENCALLBACK").isEqualTo(3);
        assertThat(login.database()).isEqualTo("app");
        assertThat(login.principal()).isEqualTo(PRINCIPAL);
        assertThat(login.toString()).doesNotContain(GOOD_TOKEN);
        // the driver hands the callback what FEDAUTHINFO said, as Azure SQL says it
        assertThat(callbackArgs)
                .containsExactly(
                        "https://database.windows.net/",
                        "https://login.windows.net/00000000-0000-0000-0000-000000000000");
        assertThat(server.batches()).contains("SELECT 1", "SELECT SUSER_SNAME()");
    }

    @Test
    void encryptFalseStillEncryptsATokenLogin() throws Exception {
        String url = "jdbc:sqlserver://127.0.0.1:" + server.port()
                + ";databaseName=app;encrypt=false;trustServerCertificate=true;loginTimeout=10";
        try (Connection c = callbackDataSource(url, GOOD_TOKEN).getConnection()) {
            assertThat(queryOne(c, "SELECT 1")).isEqualTo(1);
        }
        assertThat(server.logins().get(0).encryption()).isEqualTo(Encryption.TLS_IN_PRELOGIN);
    }

    @Test
    void encryptTrueWithCertificateValidation() throws Exception {
        try (Connection c = callbackDataSource(server.jdbcUrlVerifyingCertificate("app"), GOOD_TOKEN)
                .getConnection()) {
            assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo(PRINCIPAL);
        }
    }

    @Test
    void strictFailsWhenThePinnedCertificateCannotBeMatched() throws Exception {
        String url = server.jdbcUrl("app")
                .replaceAll(
                        "serverCertificate=[^;]*",
                        "serverCertificate=" + getClass().getResource("/tds/").getPath() + "missing.pem");
        assertThatThrownBy(() -> callbackDataSource(url, GOOD_TOKEN).getConnection())
                .isInstanceOf(SQLException.class);
        assertThat(server.acceptedLogins()).isZero();
        // the server thread notes the failed handshake after the client has already thrown
        awaitTrue(() -> server.tlsHandshakeFailures() >= 1);
    }

    @ParameterizedTest
    @EnumSource(
            value = Encryption.class,
            names = {"STRICT", "TLS_IN_PRELOGIN"})
    void refusedCallbackTokenFailsLikeSqlServer(Encryption encryption) {
        SQLServerDataSource ds = callbackDataSource(server.jdbcUrl("app", encryption), BAD_TOKEN);

        assertThatThrownBy(ds::getConnection).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(18456);
            // mssql-jdbc: "S" + the state padded to 4 digits (xopenStates=false, the default)
            assertThat(e.getSQLState()).isEqualTo("S0001");
            assertThat(e.getMessage()).startsWith("Login failed for user '<token-identified principal>'.");
        });

        assertThat(server.refusedLogins()).isEqualTo(1);
        assertThat(server.acceptedLogins()).isZero();
        assertThat(server.lastToken()).isEqualTo(BAD_TOKEN);
    }

    @Test
    void accessTokenPropertyTravelsInsideLogin7() throws Exception {
        SQLServerDataSource ds = new SQLServerDataSource();
        ds.setURL(server.jdbcUrl("app"));
        ds.setAccessToken(GOOD_TOKEN);
        try (Connection c = ds.getConnection()) {
            assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo(PRINCIPAL);
        }
        assertThat(server.logins().get(0).path()).isEqualTo(TokenPath.LOGIN7_SECURITY_TOKEN);

        ds.setAccessToken(BAD_TOKEN);
        assertThatThrownBy(ds::getConnection)
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(18456));
        assertThat(server.refusedLogins()).isEqualTo(1);
    }

    @Test
    void longAccessTokenAsDriverPropertyOverTlsInPrelogin() throws Exception {
        // user tokens reach ~7 KB, 14 KB in UTF-16: LOGIN7 then spans several 4 KB packets
        String longToken = "eyJ" + "x".repeat(7000);
        issued.put(longToken, "user@example.com");
        Properties props = new Properties();
        props.setProperty("accessToken", longToken);
        try (Connection c = new SQLServerDriver().connect(server.jdbcUrl("app", Encryption.TLS_IN_PRELOGIN), props)) {
            assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo("user@example.com");
        }
        assertThat(server.lastToken()).isEqualTo(longToken);
        assertThat(server.logins().get(0).path()).isEqualTo(TokenPath.LOGIN7_SECURITY_TOKEN);
    }

    @Test
    void accessTokenInTheUrlIsIgnoredByTheDriver() {
        // mssql-jdbc takes accessToken only from Properties / the DataSource (DRIVER_PROPERTIES_PROPERTY_ONLY): in the
        // URL it is dropped, the login carries no credentials, and the server refuses it
        String url = server.jdbcUrl("app") + ";accessToken=" + GOOD_TOKEN;
        assertThatThrownBy(() -> new SQLServerDriver().connect(url, new Properties()))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getErrorCode()).isEqualTo(18456);
                    assertThat(e.getMessage()).startsWith("Login failed for user ''.");
                });
        assertThat(server.logins().get(0).path()).isEqualTo(TokenPath.NONE);
        assertThat(server.lastToken()).isNull();
    }

    @Test
    void sqlLoginWithPasswordIsRefused() {
        SQLServerDataSource ds = new SQLServerDataSource();
        ds.setURL(server.jdbcUrl("app", Encryption.TLS_IN_PRELOGIN));
        ds.setUser("sa");
        ds.setPassword("not-a-token");
        assertThatThrownBy(ds::getConnection).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(18456);
            assertThat(e.getMessage()).startsWith("Login failed for user 'sa'.");
        });
        assertThat(server.logins().get(0).path()).isEqualTo(TokenPath.NONE);
    }

    @Test
    void unsupportedStatementFailsLoudlyAndConnectionStaysUsable() throws Exception {
        try (Connection c =
                        callbackDataSource(server.jdbcUrl("app"), GOOD_TOKEN).getConnection();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT name FROM sys.tables"))
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(50000));
            s.execute("SET LOCK_TIMEOUT 1000");
            c.setAutoCommit(false);
            c.commit();
            c.rollback();
            c.setAutoCommit(true);
            assertThat(queryOne(c, "SELECT 1")).isEqualTo(1);
        }
    }

    @Test
    void preparedStatementFirstExecutionRunsThroughSpExecuteSql() throws Exception {
        try (Connection c =
                        callbackDataSource(server.jdbcUrl("app"), GOOD_TOKEN).getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT SUSER_SNAME()")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(PRINCIPAL);
            }
            // a second execution of the same PreparedStatement prepares it (sp_prepexec): not in the fake
            assertThatThrownBy(ps::executeQuery)
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            e -> assertThat(e.getErrorCode()).isEqualTo(50000));
            assertThat(queryOne(c, "SELECT 1")).isEqualTo(1);
        }
    }

    @Test
    void concurrentConnectionsEachGetTheirOwnPrincipal() throws Exception {
        int n = 8;
        for (int i = 0; i < n; i++) {
            issued.put("token-" + i, "principal-" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Object>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SQLServerDataSource ds = callbackDataSource(
                        server.jdbcUrl("app", i % 2 == 0 ? Encryption.STRICT : Encryption.TLS_IN_PRELOGIN),
                        "token-" + i);
                results.add(pool.submit(() -> {
                    try (Connection c = ds.getConnection()) {
                        return queryOne(c, "SELECT SUSER_SNAME()");
                    }
                }));
            }
            for (int i = 0; i < n; i++) {
                assertThat(results.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("principal-" + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.acceptedLogins()).isEqualTo(n);
    }

    @Test
    void hikariPoolOverTheDriverDataSource() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setDataSource(callbackDataSource(server.jdbcUrl("app"), GOOD_TOKEN));
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(0);
        config.setPoolName("fake-tds-test");
        try (HikariDataSource pool = new HikariDataSource(config)) {
            for (int i = 0; i < 5; i++) {
                try (Connection c = pool.getConnection()) {
                    assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo(PRINCIPAL);
                }
            }
        }
        assertThat(server.acceptedLogins()).isBetween(1, 3);
        assertThat(server.refusedLogins()).isZero();
    }

    @Test
    void pooledConnectionResetFlagIsAccepted() throws Exception {
        SQLServerConnectionPoolDataSource ds = new SQLServerConnectionPoolDataSource();
        ds.setURL(server.jdbcUrl("app"));
        // expiry matters here: SQLServerPooledConnection logs in again when the token expires within 45 minutes
        // (Util.checkIfNeedNewAccessToken), so a token for 2 hours keeps one physical connection
        ds.setAccessTokenCallback(
                (spn, sts) -> new SqlAuthenticationToken(GOOD_TOKEN, System.currentTimeMillis() + 7_200_000));
        PooledConnection pooled = ds.getPooledConnection();
        try {
            try (Connection c = pooled.getConnection()) {
                assertThat(queryOne(c, "SELECT 1")).isEqualTo(1);
            }
            // the second logical connection makes the driver set RESETCONNECTION on its next request
            try (Connection c = pooled.getConnection()) {
                assertThat(queryOne(c, "SELECT SUSER_SNAME()")).isEqualTo(PRINCIPAL);
            }
        } finally {
            pooled.close();
        }
        assertThat(server.resetConnectionRequests()).isEqualTo(1);
        assertThat(server.acceptedLogins()).isEqualTo(1);
    }

    @Test
    void closeEndsOpenConnections() throws Exception {
        Connection c = callbackDataSource(server.jdbcUrl("app"), GOOD_TOKEN).getConnection();
        assertThat(server.openConnections()).isEqualTo(1);
        server.close();
        assertThat(c.isValid(2)).isFalse();
        c.close();
    }
}
