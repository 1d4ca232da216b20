package io.github.azuremi.jdbc.testsupport;

import static io.github.azuremi.jdbc.testsupport.SqlText.pgIdentifier;
import static io.github.azuremi.jdbc.testsupport.SqlText.pgLiteral;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A PostgreSQL server reached through an admin URL (which carries the admin's credentials). */
final class PostgresTestDatabase implements TestDatabase {

    /** pg_hba.conf names this group to make its members log in with a password even where loopback is trusted. */
    static final String TOKEN_GROUP = "mi_token_users";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresTestDatabase.class);
    private static final String INVALID_PASSWORD = "28P01";

    private final String adminUrl;
    private final String jdbcUrl;
    private final Set<String> rolesKnownToNeedPassword = ConcurrentHashMap.newKeySet();

    PostgresTestDatabase(String adminUrl) {
        this.adminUrl = adminUrl;
        this.jdbcUrl = JdbcUrls.withoutCredentials(adminUrl);
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String jdbcUrl() {
        return jdbcUrl;
    }

    @Override
    public Connection adminConnection() throws SQLException {
        return DriverManager.getConnection(adminUrl);
    }

    @Override
    public synchronized String createTokenRole(String name) {
        SqlText.requireRoleName(name);
        // GRANTs of another process on the same database or group (a second build on this machine) make PostgreSQL
        // refuse with "tuple concurrently updated": the statements are idempotent, so they are tried again
        for (int attempt = 1; ; attempt++) {
            try {
                grantTokenRole(name);
                break;
            } catch (IllegalStateException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("tuple concurrently updated")) {
                    throw e;
                }
            }
        }
        requirePasswordLogin(name);
        return name;
    }

    private void grantTokenRole(String name) {
        try (Connection admin = adminConnection();
                Statement sql = admin.createStatement()) {
            createRoleIfMissing(sql, TOKEN_GROUP, "NOLOGIN");
            createRoleIfMissing(sql, name, "LOGIN");
            sql.execute("ALTER ROLE " + pgIdentifier(name) + " LOGIN");
            sql.execute("GRANT " + pgIdentifier(TOKEN_GROUP) + " TO " + pgIdentifier(name));
            sql.execute("GRANT CONNECT ON DATABASE " + pgIdentifier(admin.getCatalog()) + " TO "
                    + pgIdentifier(TOKEN_GROUP));
            sql.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + pgIdentifier(TOKEN_GROUP));
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not create token role " + name + " on " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void acceptToken(String role, String token, Instant expiresOn) {
        SqlText.requireRoleName(role);
        // The server stores only this SCRAM verifier: the token itself never reaches SQL text or server logs.
        String verifier = PasswordUtil.encodeScramSha256(token.toCharArray());
        try (Connection admin = adminConnection();
                Statement sql = admin.createStatement()) {
            sql.execute("ALTER ROLE " + pgIdentifier(role) + " PASSWORD " + pgLiteral(verifier) + " VALID UNTIL "
                    + pgLiteral(expiresOn.toString()));
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the token of role " + role + ": " + e.getMessage(), e);
        }
        LOG.debug("role {} accepts a new token until {}", role, expiresOn);
    }

    /** CREATE ROLE without a race: another session may create the same role between a check and the CREATE. */
    private static void createRoleIfMissing(Statement sql, String role, String options) throws SQLException {
        sql.execute("DO $$ BEGIN CREATE ROLE " + pgIdentifier(role) + " " + options + ";"
                + " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
    }

    /**
     * A role that gets in with any password (a trust line in pg_hba.conf) would let every token test pass
     * for the wrong reason, so prove that a wrong password is refused.
     */
    private void requirePasswordLogin(String role) {
        if (rolesKnownToNeedPassword.contains(role)) {
            return;
        }
        try (Connection ignored = login(role, "not-the-token-" + UUID.randomUUID())) {
            throw new IllegalStateException("PostgreSQL at " + jdbcUrl + " let role " + role + " log in with a wrong"
                    + " password: pg_hba.conf trusts this connection, so no test could tell a valid token from an"
                    + " invalid one. Add these lines ABOVE the trust lines of pg_hba.conf (SHOW hba_file tells where"
                    + " it is), then reload (SELECT pg_reload_conf()):\n"
                    + "  host all +" + TOKEN_GROUP + " 127.0.0.1/32 scram-sha-256\n"
                    + "  host all +" + TOKEN_GROUP + " ::1/128 scram-sha-256\n"
                    + "The project's .ci/run does exactly this.");
        } catch (SQLException e) {
            if (!INVALID_PASSWORD.equals(e.getSQLState())) {
                throw new IllegalStateException(
                        "expected PostgreSQL at " + jdbcUrl + " to refuse role " + role
                                + " a wrong password with SQLState " + INVALID_PASSWORD + ", but got " + e.getSQLState()
                                + ": " + e.getMessage(),
                        e);
            }
        }
        rolesKnownToNeedPassword.add(role);
    }

    @Override
    public String toString() {
        return "PostgresTestDatabase[" + jdbcUrl + "]";
    }
}
