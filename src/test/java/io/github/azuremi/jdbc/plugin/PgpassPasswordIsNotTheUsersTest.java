package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, row 1: with no password given, pgjdbc copies a matching {@code .pgpass} line into the login's
 * {@code password} before it asks the plugin; the plugin took it for the user's and refused every login. A developer
 * laptop or CI runner with a stale {@code .pgpass} line for the role must still log in with the token, against the
 * real PostgreSQL (which checks the token as the role's password), while a password the user set is still refused.
 * pgjdbc reads the file named by the system property {@code org.postgresql.pgpassfile} (set and restored here).
 */
class PgpassPasswordIsNotTheUsersTest {

    private static final String PGPASSFILE = "org.postgresql.pgpassfile";
    private static final String STALE = "an-old-static-password";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Set<String> clientIds = ConcurrentHashMap.newKeySet();
    private TestDatabase db;
    private String role;
    private String previousPgpass;

    @TempDir
    Path dir;

    @BeforeEach
    void prepare() throws IOException {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_plugin_pgpass");
        endpoint.onIssue(token -> {
            if (clientIds.contains(token.clientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        Properties parsed = org.postgresql.Driver.parseURL(db.jdbcUrl(), new Properties());
        Path pgpass = dir.resolve("pgpass");
        // the issue's line: this host and port, any database, the role, a static password from before the token login
        Files.writeString(
                pgpass,
                "# an old entry\n" + parsed.getProperty("PGHOST") + ":" + parsed.getProperty("PGPORT") + ":*:" + role
                        + ":" + STALE + "\n");
        previousPgpass = System.getProperty(PGPASSFILE);
        System.setProperty(PGPASSFILE, pgpass.toString());
    }

    @AfterEach
    void restore() {
        if (previousPgpass == null) {
            System.clearProperty(PGPASSFILE);
        } else {
            System.setProperty(PGPASSFILE, previousPgpass);
        }
        io.github.azuremi.jdbc.internal.plugin.PluginTokens.shared().releaseAll();
        endpoint.reset();
    }

    private String url(String more) {
        String clientId = UUID.randomUUID().toString();
        clientIds.add(clientId);
        return db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + PostgresPluginTest.PLUGIN
                + "&credential=managed-identity&managedIdentityClientId=" + clientId + "&user=" + role + more;
    }

    private String currentUser(String url, Properties props) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, props);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aPgpassLineWithAStalePasswordForTheRole_theLoginUsesTheToken() throws SQLException {
        assertThat(org.postgresql.Driver.parseURL(db.jdbcUrl() + "?user=" + role, new Properties())
                        .getProperty("password"))
                .as("pgjdbc reads the pgpass file of this test")
                .isEqualTo(STALE);
        String url = url("");
        PostgresPluginTest.warm(url); // as pgjdbc asks: the parsed properties carry the pgpass password
        assertThat(currentUser(url, new Properties())).isEqualTo(role);
        assertThatThrownBy(() -> db.login(role, STALE).close())
                .as("the stale password itself is refused by the server")
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void aPasswordTheUserSet_inTheUrlOrTheProperties_isStillRefused() {
        String url = url("");
        assertThatThrownBy(() -> currentUser(url + "&password=hunter2", new Properties()))
                .hasMessageContaining("PostgresAuthenticationPlugin - password is set")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        Properties props = new Properties();
        props.setProperty("password", "hunter2");
        assertThatThrownBy(() -> currentUser(url, props)).hasMessageContaining("password is set");
        Properties defaults = new Properties();
        defaults.setProperty("password", "hunter2");
        assertThatThrownBy(() -> currentUser(url, new Properties(defaults)))
                .as("a password among the given properties' defaults is the user's too")
                .hasMessageContaining("password is set");
    }

    /** The data source sets the token as the password of each login: pgjdbc never consults pgpass for it. */
    @Test
    void theDataSourceIsNotDisturbedByAPgpassLine() throws SQLException {
        String clientId = UUID.randomUUID().toString();
        clientIds.add(clientId);
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(role);
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(clientId);
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(role);
            }
        }
    }
}
