package io.github.azuremi.jdbc.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Mono;

/**
 * Runs after every other test class of the suite (junit-platform.properties orders classes by @Order) and
 * checks what {@link LeakDetectingAppender} saw through the whole run, at TRACE, from every library: no
 * token, no part of one, no identity-header secret. Before that it drives the paths where a leak would be
 * likeliest (a malformed endpoint answer that MSAL quotes, a refused login, a SQL Server login) and checks
 * exception messages, toString(), JMX attributes and metric tags.
 */
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NoSecretInAnyLogTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @Test
    @Order(1)
    void theDetectorRecognisesATokenAFragmentAndTheHeader() {
        String jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
        assertThat(LeakDetectingAppender.findSecret("token " + jwt, null)).isNotNull();
        assertThat(LeakDetectingAppender.findSecret(
                        "{\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOi", null))
                .isNotNull();
        assertThat(LeakDetectingAppender.findSecret("header s3cr3t-value here", "s3cr3t-value"))
                .isNotNull();
        assertThat(LeakDetectingAppender.findSecret("HTTP 503 from the identity endpoint", "s3cr3t-value"))
                .isNull();
        // hidden in a packet dump: hex of its UTF-16 bytes (mssql-jdbc TDS.DATA), hex of its bytes (traceProtocol),
        // base64
        String token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2RhdGFiYXNlIn0.c2ln";
        StringBuilder utf16Dump = new StringBuilder("TDS.DATA 00000000: ");
        for (byte b : token.getBytes(java.nio.charset.StandardCharsets.UTF_16LE)) {
            utf16Dump.append(String.format("%02X ", b));
        }
        assertThat(LeakDetectingAppender.findSecret(utf16Dump.toString(), null)).contains("hex dump");
        assertThat(LeakDetectingAppender.findSecret(
                        "packet 0x"
                                + java.util.HexFormat.of()
                                        .formatHex(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                        null))
                .contains("hex");
        assertThat(LeakDetectingAppender.findSecret(
                        "auth "
                                + java.util.Base64.getEncoder()
                                        .encodeToString(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                        null))
                .contains("base64");
        assertThat(LeakDetectingAppender.findSecret(
                        new String(
                                token.getBytes(java.nio.charset.StandardCharsets.UTF_16LE),
                                java.nio.charset.StandardCharsets.ISO_8859_1),
                        null))
                .isNotNull();
        assertThat(LeakDetectingAppender.findSecret("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12", null))
                .isNull();
    }

    @Test
    @Order(2)
    void leakProneFailurePathsStayClean() throws Exception {
        ch.qos.logback.classic.Logger pgjdbc =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.postgresql");
        ch.qos.logback.classic.Level suiteLevel = pgjdbc.getLevel();
        pgjdbc.setLevel(ch.qos.logback.classic.Level.TRACE); // every protocol message of the logins below
        try {
            drivePaths();
        } finally {
            pgjdbc.setLevel(suiteLevel);
        }
    }

    private void drivePaths() throws Exception {
        endpoint.reset();
        TestDatabase pg = TestDatabases.postgres();
        String role = pg.createTokenRole("mi_secrets");
        endpoint.onIssue(t -> pg.acceptToken(role, t.accessToken(), t.expiresOn()));
        List<Throwable> seen = new ArrayList<>();

        // 1. a malformed answer: MSAL quotes the (truncated) body in its exception
        endpoint.setFault(Fault.MALFORMED_JSON);
        try (ManagedIdentityDataSource ds = pool(pg.jdbcUrl(), role)) {
            ds.setConnectionTimeout(2_000);
            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(SQLException.class)
                    .satisfies(seen::add);
        }
        endpoint.setFault(Fault.NONE);

        // 2. a login refused with a forged token
        try (ManagedIdentityDataSource ds = pool(pg.jdbcUrl(), role)) {
            ds.setCredential((String) null);
            ds.setManagedIdentityClientId(null);
            ds.setTokenCredential(r -> Mono.just(new AccessToken(
                    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJmb3JnZWQiOnRydWV9.Zm9yZ2VkLXNpZ25hdHVyZQ",
                    OffsetDateTime.now().plusHours(1))));
            ds.setConnectionTimeout(2_000);
            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(SQLException.class)
                    .satisfies(seen::add);
        }

        // 3. a working pool, with JMX and metrics: attributes, tags and toString() of everything
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ManagedIdentityDataSource ds = pool(pg.jdbcUrl(), role)) {
            ds.setPoolName("secrets-jmx");
            ds.setRegisterMbeans(true);
            ds.setMeterRegistry(registry);
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(2)).isTrue();
            }
            assertNoSecret("toString", ds + " " + ds.getTokenDescription() + " " + endpoint.issuedTokens());
            assertNoSecret("JMX", jmxAttributes("secrets-jmx"));
            for (Meter meter : registry.getMeters()) {
                for (Tag tag : meter.getId().getTags()) {
                    assertNoSecret("metric tag " + meter.getId().getName(), tag.getValue());
                }
            }
        }

        // 4. SQL Server through mssql-jdbc (java.util.logging at FINEST, bridged)
        try (FakeTdsServer tds =
                        FakeTdsServer.start(token -> endpoint.hasIssued(token) ? Optional.of("mi") : Optional.empty());
                ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(tds.jdbcUrl("app"));
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(UUID.randomUUID().toString());
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(2)).isTrue();
            }
        }

        // 5. the driver plugins: pgjdbc (at TRACE) and mssql-jdbc (FINEST) asking the library for the token mid-login,
        //    one login that works and one the server refuses (a token forged for the role), and their toString()
        String pluginUrl = pg.jdbcUrl() + (pg.jdbcUrl().contains("?") ? "&" : "?") + "authenticationPluginClassName="
                + io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin.class.getName()
                + "&credential=managed-identity"
                + "&managedIdentityClientId=" + UUID.randomUUID() + "&user=" + role;
        java.util.Properties parsed = org.postgresql.Driver.parseURL(pluginUrl, new java.util.Properties());
        var plugin = new io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin(parsed);
        plugin.getPassword(
                org.postgresql.plugin.AuthenticationRequestType
                        .SASL); // first token before the login (see PostgresPluginTest.warm)
        try (Connection c = java.sql.DriverManager.getConnection(pluginUrl)) {
            assertThat(c.isValid(2)).isTrue();
        }
        pg.acceptToken(
                role,
                "not-what-the-plugin-sends-" + UUID.randomUUID(),
                java.time.Instant.now().plusSeconds(60));
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(pluginUrl).close())
                .satisfies(seen::add);
        assertNoSecret("plugin toString", plugin.toString());
        System.setProperty("azuremi.managedIdentityClientId", UUID.randomUUID().toString());
        try (FakeTdsServer tds =
                        FakeTdsServer.start(token -> endpoint.hasIssued(token) ? Optional.of("mi") : Optional.empty());
                Connection c = java.sql.DriverManager.getConnection(tds.jdbcUrl("app")
                        .replaceFirst(
                                "^jdbc:", "jdbc:azuremi:"))) { // SqlServerTokenDriver: the access-token callback behind
            // the transport check
            assertThat(c.isValid(2)).isTrue();
        } finally {
            System.clearProperty("azuremi.managedIdentityClientId");
            io.github.azuremi.jdbc.internal.plugin.PluginTokens.shared().releaseAll();
        }

        for (Throwable t : seen) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                assertNoSecret("exception message", String.valueOf(c.getMessage()));
            }
        }
    }

    @Test
    @Order(3)
    void nothingThatWasLoggedDuringTheWholeSuiteHeldATokenOrTheIdentityHeader() {
        System.out.println("[secrets] log events seen at all levels: " + LeakDetectingAppender.events() + " by source: "
                + LeakDetectingAppender.eventsBySource());
        List<String> leaks = LeakDetectingAppender.leaks();
        // MSAL itself logs, at WARN, the body of a malformed answer (our MALFORMED_JSON fault: a JWT header and the
        // first characters of the claims, cut off). That is MSAL's own logging, outside this library;
        // docs/operations.md (Known limitations) says how
        // to silence it. Everything else, including every exception chain this library builds, must be clean.
        // mssql-jdbc logs the argument of SQLServerDataSource.setAccessToken at FINER ("ENTRY <token>"): the fixture
        // tests of the fake TDS server call it directly; this library never does (it uses the callback).
        List<String> upstream = leaks.stream()
                .filter(l -> l.contains(" com.microsoft.aad.msal4j.ManagedIdentityApplication ")
                        || l.contains(" com.microsoft.sqlserver.jdbc.DataSource ") && l.contains("after \"ENTRY"))
                .toList();
        System.out.println(
                "[secrets] events with JWT-shaped text from other libraries' own logging (MSAL: malformed-body "
                        + "fault; mssql-jdbc: setAccessToken in fixture tests): " + upstream.size() + " " + upstream);
        assertThat(leaks).as("log events that carried a secret").containsExactlyInAnyOrderElementsOf(upstream);
        assertThat(LeakDetectingAppender.completeIssuedTokensSeen())
                .as("complete issued tokens in any log line")
                .isZero();
        assertThat(LeakDetectingAppender.eventsBySource().keySet())
                .as("the capture really saw every library at debug/trace")
                .contains(
                        "io.github.azuremi@DEBUG-",
                        "com.zaxxer.hikari@DEBUG-",
                        "com.microsoft.aad.msal4j@DEBUG-",
                        "org.postgresql@DEBUG-",
                        "com.microsoft.sqlserver@DEBUG-");
    }

    private ManagedIdentityDataSource pool(String url, String role) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(UUID.randomUUID().toString());
        ds.setTokenRetryBackoff(100);
        return ds;
    }

    private static String jmxAttributes(String poolName) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        StringBuilder all = new StringBuilder();
        for (ObjectName name : server.queryNames(new ObjectName("com.zaxxer.hikari:*"), null)) {
            if (!name.toString().contains(poolName)) {
                continue;
            }
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                if (attribute.isReadable()) {
                    try {
                        all.append(attribute.getName())
                                .append('=')
                                .append(server.getAttribute(name, attribute.getName()))
                                .append('\n');
                    } catch (Exception e) {
                        all.append(attribute.getName())
                                .append("=<")
                                .append(e.getClass().getSimpleName())
                                .append(">\n");
                    }
                }
            }
        }
        assertThat(all).as("the pool's MBeans were read").isNotEmpty();
        return all.toString();
    }

    private void assertNoSecret(String where, String text) {
        assertThat(LeakDetectingAppender.findSecret(text, endpoint.identityHeader()))
                .as(where)
                .isNull();
    }
}
