package io.github.azuremi.jdbc.internal.db;

import io.github.azuremi.jdbc.internal.config.SettingValues;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything that differs between the databases this library logs in to: one class per database. Each reads
 * the JDBC URL and driver properties with the driver's own parser (so that case, URL-decoding, several hosts
 * and {@code ?host=} overrides mean what they mean to the driver), decides whether the token may travel over
 * the transport that results ({@link #target}), and knows its scope, its auth-failure codes, how to tell the
 * user to create the database user and how to ask the server who is logged in.
 *
 * <p>A dialect never references its driver's classes outside a nested helper that is loaded only once the
 * driver is known to be on the classpath, so that users of one database need only its driver.
 */
public sealed interface Dialect permits PostgresDialect, MySqlDialect, SqlServerDialect {

    Dialect POSTGRESQL = new PostgresDialect();
    Dialect MYSQL = new MySqlDialect();
    Dialect SQLSERVER = new SqlServerDialect();

    List<Dialect> ALL = List.of(POSTGRESQL, MYSQL, SQLSERVER);

    /** The dialect whose prefix the URL starts with (case-insensitive), or null. */
    static Dialect forJdbcUrl(String jdbcUrl) {
        if (jdbcUrl == null) {
            return null;
        }
        String lower = jdbcUrl.trim().toLowerCase(Locale.ROOT);
        for (Dialect dialect : ALL) {
            if (lower.startsWith(dialect.urlPrefix())) {
                return dialect;
            }
        }
        return null;
    }

    /** {@code jdbc:postgresql:} etc. */
    String urlPrefix();

    /** PostgreSQL, MySQL, SQL Server. */
    String displayName();

    /** The driver class this dialect reads URLs like. */
    String driverClassName();

    /** The Maven coordinates of the driver, for messages. */
    String driverArtifact();

    /** Whether the token is the password of a named user (PostgreSQL, MySQL) rather than the login itself (SQL Server). */
    boolean loginWithUsername();

    /** "role" or "user": what the database calls the principal mapped to the identity. */
    String principalWord();

    /** The SQL the Entra admin runs to map the identity, as an example. */
    String createPrincipalExample();

    /** The first label of the audience host: {@code ossrdbms-aad.database} or {@code database}. */
    String audiencePrefix();

    /**
     * The scope of tokens for a server at {@code host}: sovereign-cloud hosts map to their cloud's scope.
     */
    default String defaultScope(String host) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        for (String cloud : SOVEREIGN_CLOUDS) {
            if (h.endsWith("." + cloud)) {
                return "https://" + audiencePrefix() + "." + cloud + "/.default";
            }
        }
        return "https://" + audiencePrefix() + ".windows.net/.default";
    }

    /** The audience (scope without {@code /.default}) for a server at {@code host}. */
    default String defaultAudience(String host) {
        String s = defaultScope(host);
        return s.substring(0, s.length() - "/.default".length());
    }

    /**
     * Null if {@code scope} is a database audience of this database in any cloud, else why not (a sentence that
     * names the expected scope). Tokens for other services (Resource Manager, Key Vault, Graph...) are refused: the
     * token would be sent to the database as a password.
     */
    default String checkScope(String scope) {
        String s = scope.trim().toLowerCase(Locale.ROOT);
        if (!s.startsWith("https://") || !s.endsWith("/.default")) {
            return "tokenScope must be an https URI ending in /.default, such as " + defaultScope("") + ", but was "
                    + SettingValues.shown(scope);
        }
        String audience = s.substring(0, s.length() - "/.default".length());
        while (audience.endsWith("/")) {
            audience = audience.substring(0, audience.length() - 1); // https://database.windows.net//.default is common
        }
        for (String cloud : CLOUDS) {
            if (audience.equals("https://" + audiencePrefix() + "." + cloud)) {
                return null;
            }
        }
        for (Dialect other : ALL) {
            for (String cloud : CLOUDS) {
                if (other != this && audience.equals("https://" + other.audiencePrefix() + "." + cloud)) {
                    return "tokenScope " + scope + " is the scope of another database service; " + displayName()
                            + " needs " + defaultScope("") + " (or its sovereign-cloud variant)";
                }
            }
        }
        return "tokenScope " + scope + " is not a database audience: the token would be sent to " + displayName()
                + " as a password, and a token of another service (Resource Manager, Key Vault, Graph) must not leave the "
                + "application. " + displayName() + " accepts " + defaultScope("") + " (or "
                + defaultScope("x.usgovcloudapi.net") + ", " + defaultScope("x.chinacloudapi.cn") + ")";
    }

    /**
     * Null, or why the settings fight a token login (a password, a user in the URL, a missing username for
     * PostgreSQL/MySQL; for SQL Server a username or another authentication setting), naming the fix.
     */
    default String checkCredentials(String jdbcUrl, Properties driverProperties, String username) {
        return loginWithUsername()
                ? CredentialChecks.forPasswordLogin(this, jdbcUrl, driverProperties, username)
                : CredentialChecks.forAccessTokenLogin(jdbcUrl, driverProperties, username);
    }

    /** Whether an SQLState / vendor code means "the server refused these credentials". */
    boolean isAuthFailure(String sqlState, int vendorCode);

    /** What to do when the server keeps refusing current tokens (for exception messages). */
    String roleHint();

    /** The fix the check command prints when the identity has no database principal. */
    String roleFix();

    /** A query that returns the logged-in principal. */
    String currentUserSql();

    /** The secure transport settings, for messages. */
    String secureTransportSetting();

    /**
     * Reads {@code jdbcUrl} and {@code driverProperties} as the driver does, adds this library's driver defaults
     * (verified TLS, the login plugin) where the user set nothing, and decides whether the token may be sent. Throws
     * {@link IllegalArgumentException} (message without pool name; it names the setting and the fix) when the URL
     * cannot be read or the token would go to a non-loopback host in clear text or over TLS that does not verify
     * the server, unless {@code allowUnverifiedTransport}.
     */
    Target target(String jdbcUrl, Properties driverProperties, boolean allowUnverifiedTransport);

    /**
     * The driver properties of one login: {@code properties} plus the timeouts that make the driver give up within
     * {@code timeout} (unless the user set them). A silent server must not hold a login longer than that.
     */
    Properties withLoginTimeout(Properties properties, Duration timeout);

    /** Undoes login-only settings on a new connection ({@code properties}: the driver properties without them). */
    default void afterLogin(java.sql.Connection connection, Properties properties) throws java.sql.SQLException {}

    // ----------------------------------------------------------------------------------------------------------

    /** Cloud suffixes of database audiences, public cloud first. */
    List<String> CLOUDS = List.of("windows.net", "usgovcloudapi.net", "chinacloudapi.cn", "cloudapi.de");
    /** Host suffixes that select a sovereign cloud's audience. */
    List<String> SOVEREIGN_CLOUDS = List.of("usgovcloudapi.net", "chinacloudapi.cn", "cloudapi.de");

    /**
     * Whether {@code host} is this machine for certain: {@code localhost}, a 127.0.0.0/8 literal or {@code ::1}
     * (with or without brackets). Names that merely start with 127 are not; nothing is resolved.
     */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        Matcher v4 = IPV4.matcher(h);
        if (v4.matches()) { // no leading zeros: Java would resolve 127.0.0.01 as a name, not read it as an address
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return v4.group(1).equals("127");
        }
        if (h.indexOf(':') >= 0 && h.indexOf('%') < 0 && h.matches("[0-9a-fA-F:.]+")) {
            try {
                InetAddress a = InetAddress.getByName(h); // a literal with ':' is parsed, never looked up
                return a.isLoopbackAddress() && (a instanceof Inet6Address || a.getAddress()[0] == 127);
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * The JVM-wide SOCKS proxy ({@code -DsocksProxyHost}), or null. The JDK's default socket, which pgjdbc and
     * Connector/J use unless told otherwise, connects through it. The JDK keeps 127.0.0.0/8 and {@code localhost} direct
     * but sends {@code ::1} through it (Java 17 and 25), and an application's {@code ProxySelector} may route any host:
     * rather than guess, no host counts as this machine while it is set (verified TLS, or allowUnverifiedTransport).
     */
    static String jvmSocksProxy() {
        String proxy = System.getProperty("socksProxyHost");
        return proxy == null || proxy.isBlank() ? null : proxy.trim();
    }

    Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})\\.(0|[1-9]\\d{0,2})");

    /** Loads nothing: whether the class is on this library's classpath. */
    static boolean isPresent(String className) {
        try {
            Class.forName(className, false, Dialect.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
