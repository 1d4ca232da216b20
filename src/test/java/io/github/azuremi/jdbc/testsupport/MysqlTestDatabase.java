package io.github.azuremi.jdbc.testsupport;

import static io.github.azuremi.jdbc.testsupport.SqlText.mysqlIdentifier;
import static io.github.azuremi.jdbc.testsupport.SqlText.mysqlLiteral;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MySQL or MariaDB server reached through an admin URL. Token users authenticate with
 * {@code mysql_native_password}, which Connector/J can use without TLS; MariaDB has it by default, MySQL 8.4
 * only when started with {@code --mysql-native-password=ON}.
 */
final class MysqlTestDatabase implements TestDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(MysqlTestDatabase.class);
    // '%' for clients that come over a network (a container); 'localhost' because an anonymous ''@'localhost'
    // account, where one exists, would outrank '%' for loopback clients.
    private static final List<String> HOSTS = List.of("%", "localhost");
    private static final int PLUGIN_NOT_LOADED = 1524;

    private final String adminUrl;
    private final String jdbcUrl;

    MysqlTestDatabase(String adminUrl) {
        this.adminUrl = adminUrl;
        String url = JdbcUrls.withoutCredentials(adminUrl);
        // A password login over plain TCP on loopback: no TLS unless the admin URL asked for something.
        if (!JdbcUrls.hasParameter(url, "sslMode") && !JdbcUrls.hasParameter(url, "useSSL")) {
            url = JdbcUrls.withParameter(url, "sslMode", "DISABLED");
        }
        this.jdbcUrl = url;
    }

    @Override
    public String kind() {
        return "mysql";
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
        try (Connection admin = adminConnection();
                Statement sql = admin.createStatement()) {
            boolean mariaDb = isMariaDb(sql);
            String database = admin.getCatalog();
            String unguessable = nativePasswordHash(UUID.randomUUID().toString());
            for (String host : HOSTS) {
                sql.execute("CREATE USER IF NOT EXISTS " + account(name, host) + identifiedBy(mariaDb, unguessable));
                sql.execute("GRANT ALL PRIVILEGES ON " + mysqlIdentifier(database) + ".* TO " + account(name, host));
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == PLUGIN_NOT_LOADED) {
                throw new IllegalStateException(
                        "the server at " + jdbcUrl + " has mysql_native_password disabled;"
                                + " start MySQL 8.4 with --mysql-native-password=ON",
                        e);
            }
            throw new IllegalStateException(
                    "could not create token user " + name + " on " + jdbcUrl + ": " + e.getMessage(), e);
        }
        return name;
    }

    /** {@code expiresOn} is ignored: MySQL and MariaDB expire passwords after days, never at an instant. */
    @Override
    public void acceptToken(String role, String token, Instant expiresOn) {
        SqlText.requireRoleName(role);
        // Only the hash goes into SQL text, so the token never reaches the server's logs.
        String hash = nativePasswordHash(token);
        try (Connection admin = adminConnection();
                Statement sql = admin.createStatement()) {
            boolean mariaDb = isMariaDb(sql);
            for (String host : HOSTS) {
                sql.execute("ALTER USER " + account(role, host) + identifiedBy(mariaDb, hash));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not set the token of user " + role + ": " + e.getMessage(), e);
        }
        LOG.debug("user {} accepts a new token (MySQL cannot expire it at {})", role, expiresOn);
    }

    private static String account(String name, String host) {
        return mysqlLiteral(name) + "@" + mysqlLiteral(host);
    }

    /** The two servers spell "this mysql_native_password hash" differently. */
    private static String identifiedBy(boolean mariaDb, String hash) {
        return mariaDb
                ? " IDENTIFIED VIA mysql_native_password USING " + mysqlLiteral(hash)
                : " IDENTIFIED WITH mysql_native_password AS " + mysqlLiteral(hash);
    }

    private static boolean isMariaDb(Statement sql) throws SQLException {
        try (ResultSet version = sql.executeQuery("SELECT VERSION()")) {
            version.next();
            return version.getString(1).toLowerCase(Locale.ROOT).contains("mariadb");
        }
    }

    /** What mysql_native_password stores: '*' and the upper-case hex of SHA1(SHA1(password)). */
    static String nativePasswordHash(String password) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] once = sha1.digest(password.getBytes(StandardCharsets.UTF_8));
            return "*" + HexFormat.of().withUpperCase().formatHex(sha1.digest(once));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "MysqlTestDatabase[" + jdbcUrl + "]";
    }
}
