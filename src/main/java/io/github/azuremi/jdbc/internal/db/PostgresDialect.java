package io.github.azuremi.jdbc.internal.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.postgresql.jdbc.SslMode;
import org.postgresql.jdbcurlresolver.PgPassParser;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Azure Database for PostgreSQL (flexible server): the token is the password of the mapped role. URLs and
 * properties are read by pgjdbc's own {@code Driver.parseURL} (names case-sensitive, values URL-decoded, every
 * host of a multi-host URL, {@code ?host=}/{@code ?port=} overriding the address) and its {@code SslMode.of}.
 *
 * <p>Default towards a non-loopback host: {@code sslmode=verify-full}; whenever the mode verifies and neither
 * {@code sslrootcert} nor {@code sslfactory} is set, {@code sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory}
 * (the JDK trust store, which holds Azure's roots, instead of {@code ~/.postgresql/root.crt}).
 */
public final class PostgresDialect implements Dialect {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresDialect.class);

    static final String JDK_TRUST_FACTORY = "org.postgresql.ssl.DefaultJavaSSLFactory";
    /**
     * pgjdbc's factories that accept any certificate: TLS without server authentication whatever sslmode says. In
     * 42.7.x that is NonValidatingFactory alone (its NonValidatingTM is a trust manager, which sslfactory cannot name).
     */
    static final Set<String> NON_VALIDATING_FACTORIES = Set.of("org.postgresql.ssl.NonValidatingFactory");
    /**
     * pgjdbc's factories that check the certificate chain (the JDK's trust store; sslrootcert; one given certificate).
     * Any other sslfactory replaces that check with a class this library cannot judge (a copy of NonValidatingFactory
     * under another name is the usual one), so it does not count as verified TLS.
     */
    static final Set<String> VALIDATING_FACTORIES = Set.of(
            JDK_TRUST_FACTORY, "org.postgresql.ssl.LibPQFactory", "org.postgresql.ssl.SingleCertValidatingFactory");
    /** pgjdbc's own host name check, what it uses when sslhostnameverifier is unset. */
    static final String PGJDBC_HOSTNAME_VERIFIER = "org.postgresql.ssl.PGjdbcHostnameVerifier";
    /** Keys pgjdbc reads case-sensitively whose other spellings it silently ignores. */
    private static final List<String> CASE_SENSITIVE_KEYS = List.of(
            "sslmode", "ssl", "sslfactory", "sslrootcert", "sslhostnameverifier", "socketFactory", "host", "port");

    /** The fix a plugin user is told: nothing can be defaulted once pgjdbc asks the plugin for the password. */
    static final String PLUGIN_SECURE_SETTING = "sslmode=verify-full&sslfactory=" + JDK_TRUST_FACTORY
            + " in the JDBC URL (verified TLS with the JDK trust store, which holds Azure's roots)";

    PostgresDialect() {}

    /**
     * For the pgjdbc plugin: judges the transport of a login from the properties pgjdbc hands its plugin (the URL's
     * parameters merged with the driver properties, hosts in {@code PGHOST}); throws as {@link #target} does, with
     * the fix a URL needs (pgjdbc has connected already: no default can be added).
     */
    public Target pluginTarget(Properties connectionProperties, boolean allowUnverifiedTransport) {
        return Pgjdbc.forPlugin(this, connectionProperties, allowUnverifiedTransport);
    }

    /**
     * For the pgjdbc plugin: the login's properties without a password that pgjdbc took from a pgpass file, which is
     * not the user's (the same properties otherwise). When the user gives no password, pgjdbc's {@code parseURL} copies
     * the first matching line of the pgpass file ({@code org.postgresql.pgpassfile}, {@code PGPASSFILE},
     * {@code ~/.pgpass}) into {@code password}; the plugin sees only the merged result, so it asks pgjdbc's own
     * {@code PgPassParser} the same question with the same host, port, database and user. A password that differs
     * from that line is the user's (URL, driver properties or their defaults, a service file) and is left for the
     * plugin to refuse. One that equals it is taken as pgpass's: a user who typed the very password of their pgpass
     * line is not told, but the token is what is sent either way.
     */
    public Properties withoutPgpassPassword(Properties connectionProperties) {
        String password = connectionProperties.getProperty("password");
        if (password == null
                || password.isEmpty()
                || !Dialect.isPresent("org.postgresql.jdbcurlresolver.PgPassParser")
                || !password.equals(Pgjdbc.pgpassPassword(connectionProperties))) {
            return connectionProperties;
        }
        LOG.debug(
                "PostgresAuthenticationPlugin: ignoring the password pgjdbc read from a pgpass file for user {} "
                        + "(the access token is the password)",
                connectionProperties.getProperty("user"));
        Properties p = copy(connectionProperties);
        p.remove("password");
        return p;
    }

    @Override
    public String urlPrefix() {
        return "jdbc:postgresql:";
    }

    @Override
    public String displayName() {
        return "PostgreSQL";
    }

    @Override
    public String driverClassName() {
        return "org.postgresql.Driver";
    }

    @Override
    public String driverArtifact() {
        return "org.postgresql:postgresql";
    }

    @Override
    public boolean loginWithUsername() {
        return true;
    }

    @Override
    public String principalWord() {
        return "role";
    }

    @Override
    public String createPrincipalExample() {
        return "SELECT * FROM pgaadauth_create_principal('<name>', false, false)";
    }

    @Override
    public String audiencePrefix() {
        return "ossrdbms-aad.database";
    }

    @Override
    public boolean isAuthFailure(String sqlState, int vendorCode) {
        return "28P01".equals(sqlState) || "28000".equals(sqlState);
    }

    @Override
    public String roleHint() {
        return "create the role with pgaadauth_create_principal('<name>', false, false) (or "
                + "pgaadauth_create_principal_with_oid for a managed identity) as the Entra admin, and set username to "
                + "that role name; check that tokenScope is the ossrdbms-aad scope of this cloud";
    }

    @Override
    public String roleFix() {
        return "As the server's Entra admin: SELECT * FROM pgaadauth_create_principal('<name>', false, false); "
                + "(for a managed identity, its name; pgaadauth_create_principal_with_oid if the name is ambiguous), "
                + "then use that name as the username.";
    }

    @Override
    public String currentUserSql() {
        return "SELECT current_user";
    }

    @Override
    public String secureTransportSetting() {
        return "sslmode=verify-full (or leave sslmode and ssl unset: the library sets verify-full with the JDK trust store)";
    }

    @Override
    public Target target(String jdbcUrl, Properties driverProperties, boolean allowUnverifiedTransport) {
        if (!Dialect.isPresent(driverClassName())) {
            throw new IllegalArgumentException("jdbc:postgresql: URLs need pgjdbc on the classpath (to read the URL as "
                    + "the driver does and to log in); add the dependency " + driverArtifact());
        }
        return Pgjdbc.target(this, jdbcUrl, driverProperties, allowUnverifiedTransport);
    }

    @Override
    public Properties withLoginTimeout(Properties properties, Duration timeout) {
        Properties p = copy(properties);
        String seconds = Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000));
        // loginTimeout bounds the whole login (pgjdbc runs it on a helper thread); connectTimeout the TCP connect
        p.putIfAbsent("loginTimeout", seconds);
        p.putIfAbsent("connectTimeout", seconds);
        return p;
    }

    static Properties copy(Properties properties) {
        Properties p = new Properties();
        for (String name : properties.stringPropertyNames()) {
            p.setProperty(name, properties.getProperty(name));
        }
        return p;
    }

    /** The pgjdbc calls, loaded only when pgjdbc is present. */
    private static final class Pgjdbc {

        /** What pgjdbc's parseURL copies from pgpass for these properties: the same call with the same values. */
        static String pgpassPassword(Properties p) {
            return PgPassParser.getPassword(
                    PGProperty.PG_HOST.getOrDefault(p),
                    PGProperty.PG_PORT.getOrDefault(p),
                    PGProperty.PG_DBNAME.getOrDefault(p),
                    PGProperty.USER.getOrDefault(p));
        }

        static Target target(PostgresDialect dialect, String jdbcUrl, Properties userProperties, boolean allow) {
            Properties props = copy(userProperties);
            Properties parsed = parse(jdbcUrl, props);
            refuseMisspelt(jdbcUrl, parsed);
            List<String> hosts = hosts(parsed);
            boolean loopbackOnly = parsed.getProperty("socketFactory") == null
                    && Dialect.jvmSocksProxy() == null
                    && hosts.stream().allMatch(Dialect::isLoopback);
            boolean userChoseTls = parsed.getProperty("sslmode") != null || parsed.getProperty("ssl") != null;
            if (!userChoseTls && !loopbackOnly) {
                props.setProperty("sslmode", "verify-full");
            }
            SslMode mode = sslMode(parse(jdbcUrl, props));
            if (mode.verifyCertificate()
                    && parsed.getProperty("sslfactory") == null
                    && parsed.getProperty("sslrootcert") == null) {
                props.setProperty("sslfactory", JDK_TRUST_FACTORY);
            }
            Properties effective = parse(jdbcUrl, props);
            return verdict(
                    dialect,
                    effective,
                    hosts,
                    loopbackOnly,
                    props,
                    allow,
                    "jdbcUrl and dataSourceProperties",
                    dialect.secureTransportSetting());
        }

        /** The plugin's view: pgjdbc has connected already, so nothing can be added; only judged. */
        static Target forPlugin(PostgresDialect dialect, Properties connectionProperties, boolean allow) {
            refuseMisspelt(null, connectionProperties);
            List<String> hosts = hosts(connectionProperties);
            boolean loopbackOnly = connectionProperties.getProperty("socketFactory") == null
                    && Dialect.jvmSocksProxy() == null
                    && hosts.stream().allMatch(Dialect::isLoopback);
            return verdict(
                    dialect,
                    connectionProperties,
                    hosts,
                    loopbackOnly,
                    connectionProperties,
                    allow,
                    "the JDBC URL and driver properties",
                    PLUGIN_SECURE_SETTING);
        }

        private static Target verdict(
                PostgresDialect dialect,
                Properties effective,
                List<String> hosts,
                boolean loopbackOnly,
                Properties driverProperties,
                boolean allow,
                String read,
                String fix) {
            SslMode mode = sslMode(effective);
            String factory = effective.getProperty("sslfactory");
            String verifier = customHostnameVerifier(effective);
            boolean nonValidating = factory != null && NON_VALIDATING_FACTORIES.contains(factory);
            boolean customFactory = factory != null && !nonValidating && !VALIDATING_FACTORIES.contains(factory.trim());
            boolean verified = mode == SslMode.VERIFY_FULL && !nonValidating && !customFactory && verifier == null;
            String transport = !mode.requireEncryption()
                    ? "TLS not required (sslmode=" + mode.value + ")"
                    : "TLS, sslmode=" + mode.value + (factory != null ? ", sslfactory=" + factory : "")
                            + (effective.getProperty("sslrootcert") != null ? ", sslrootcert" : "")
                            + (verifier != null ? ", sslhostnameverifier=" + verifier : "");
            if (!verified && !loopbackOnly && !allow) {
                String remote = hosts.stream()
                                .filter(h -> !Dialect.isLoopback(h))
                                .findFirst()
                                .orElse(String.join(",", hosts))
                        + (effective.getProperty("socketFactory") != null
                                ? " through socketFactory=" + effective.getProperty("socketFactory")
                                : Dialect.jvmSocksProxy() != null
                                        ? " through the JVM-wide SOCKS proxy -DsocksProxyHost="
                                                + Dialect.jvmSocksProxy()
                                        : "");
                if (mode == SslMode.VERIFY_FULL && customFactory) {
                    throw new IllegalArgumentException(
                            "sslfactory=" + factory + " (in " + read + ") replaces pgjdbc's check of "
                                    + "the certificate of " + remote
                                    + " with a class this library cannot judge: one that trusts every "
                                    + "certificate lets anyone who puts the server's name in a certificate of their own pose as the server and "
                                    + "read the access token. Remove sslfactory (the default checks the JDK's trust store; for a private CA use "
                                    + "sslrootcert=<CA file>); only for a trusted network, set allowUnverifiedTransport=true");
                }
                if (mode == SslMode.VERIFY_FULL && !nonValidating) {
                    throw new IllegalArgumentException(
                            "sslhostnameverifier=" + verifier + " (in " + read + ") replaces pgjdbc's "
                                    + "check of the host name in the certificate of " + remote
                                    + " with a class this library cannot judge: one "
                                    + "that accepts every name lets anyone with a certificate from a trusted CA pose as the server and read "
                                    + "the access token. Remove sslhostnameverifier (with sslmode=verify-full pgjdbc checks the host name "
                                    + "itself); only for a trusted network, set allowUnverifiedTransport=true");
                }
                String setting = nonValidating
                        ? "sslfactory=" + factory
                        : effective.getProperty("sslmode") != null
                                ? "sslmode=" + effective.getProperty("sslmode")
                                : effective.getProperty("ssl") != null
                                        ? "ssl=" + effective.getProperty("ssl")
                                        : "sslmode (unset)";
                String what = mode.requireEncryption()
                        ? "encrypts the connection to " + remote
                                + " without verifying the server's certificate and host name, "
                                + "so anyone on the path can pose as the server"
                        : "lets the connection to " + remote
                                + " run without TLS, so the access token would cross the network " + "in clear text";
                throw new IllegalArgumentException(setting + " (as pgjdbc reads " + read + ": "
                        + "sslmode=" + mode.value + ") " + what
                        + " (whoever reads the token can log in as the identity until "
                        + "it expires). Use " + fix + ", with sslrootcert=<CA file> for a private "
                        + "CA; only for a trusted network, set allowUnverifiedTransport=true");
            }
            return new Target(
                    dialect,
                    hosts,
                    driverProperties,
                    loopbackOnly,
                    loopbackOnly && !verified ? transport + " (loopback)" : transport);
        }

        /**
         * The {@code sslhostnameverifier} class named, unless it is none or pgjdbc's own. With sslmode=verify-full, a
         * verifier of one's own replaces pgjdbc's host name check; whether it checks anything cannot be known here.
         */
        private static String customHostnameVerifier(Properties effective) {
            String verifier = effective.getProperty("sslhostnameverifier");
            return verifier == null || verifier.isBlank() || verifier.trim().equals(PGJDBC_HOSTNAME_VERIFIER)
                    ? null
                    : verifier.trim();
        }

        private static Properties parse(String jdbcUrl, Properties props) {
            Properties parsed = Driver.parseURL(jdbcUrl, props);
            if (parsed == null) {
                throw new IllegalArgumentException(
                        "jdbcUrl cannot be used: pgjdbc does not accept it (it must look like "
                                + "jdbc:postgresql://<host>:5432/<database>)");
            }
            return parsed;
        }

        private static SslMode sslMode(Properties parsed) {
            try {
                return SslMode.of(parsed);
            } catch (PSQLException e) {
                throw new IllegalArgumentException(
                        "sslmode has a value pgjdbc does not know (" + e.getMessage() + "); use verify-full", e);
            }
        }

        private static List<String> hosts(Properties parsed) {
            List<String> hosts = new ArrayList<>();
            for (String h : parsed.getProperty("PGHOST", "").split(",")) {
                hosts.add(h.trim());
            }
            return hosts;
        }

        /** sslMode=require or SSLMODE=disable would be silently ignored by pgjdbc: refuse rather than guess. */
        private static void refuseMisspelt(String jdbcUrl, Properties parsed) {
            for (String name : parsed.stringPropertyNames()) {
                for (String key : CASE_SENSITIVE_KEYS) {
                    if (name.equalsIgnoreCase(key) && !name.equals(key)) {
                        throw new IllegalArgumentException(
                                name + " is set in jdbcUrl or dataSourceProperties, but pgjdbc reads " + "only " + key
                                        + " (names are case-sensitive) and ignores " + name + ". Rename it to " + key);
                    }
                }
            }
        }
    }
}
