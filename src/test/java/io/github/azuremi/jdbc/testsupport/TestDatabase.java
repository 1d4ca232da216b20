package io.github.azuremi.jdbc.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;

/**
 * A real database server that tests log in to with access tokens as passwords, the way Azure Database for
 * PostgreSQL / MySQL does: a role that must present a password, and a way to make the server accept exactly
 * one token. Get one from {@link TestDatabases}.
 */
public interface TestDatabase {

    /** {@code "postgresql"} or {@code "mysql"} (MySQL or MariaDB). */
    String kind();

    /** The URL an application uses, without credentials, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test}. */
    String jdbcUrl();

    /**
     * Creates (if missing) a login role that can only get in with its password, and returns its name.
     * Idempotent. Names are 1-32 characters of {@code [a-z0-9_]}, starting with a letter or underscore.
     * PostgreSQL: a member of group role {@code mi_token_users}, which has CONNECT on the database and USAGE,
     * CREATE on schema public; checked to refuse a wrong password. MySQL: {@code 'name'@'%'} and
     * {@code 'name'@'localhost'} with {@code mysql_native_password} and all privileges on the database.
     */
    String createTokenRole(String name);

    /**
     * Makes {@code token} the role's password. PostgreSQL also refuses it from {@code expiresOn} on
     * ({@code VALID UNTIL}). MySQL and MariaDB cannot expire a password at an instant, so there the token stays
     * valid until the next {@code acceptToken}. The token is never logged, and never sent as SQL text: only
     * the verifier the server stores (SCRAM-SHA-256, or the {@code mysql_native_password} hash) is.
     */
    void acceptToken(String role, String token, Instant expiresOn);

    /** A new connection with the administrator's rights; the caller closes it. */
    Connection adminConnection() throws SQLException;

    /** Logs in to {@link #jdbcUrl()} as {@code user} with {@code password}, as the application would. */
    default Connection login(String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }
}
