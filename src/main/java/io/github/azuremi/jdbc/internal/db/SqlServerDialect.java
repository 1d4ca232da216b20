package io.github.azuremi.jdbc.internal.db;

import com.microsoft.sqlserver.jdbc.SQLServerDriver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Azure SQL Database: the token goes through mssql-jdbc's access-token callback, never as a password. The URL with
 * the driver properties appended (as the login hands them to the driver) is read by the driver itself, through
 * its public {@code SQLServerDriver.getPropertyInfo}, which parses and merges them (names case-insensitive,
 * braces, synonyms) and reports each setting's effective value.
 *
 * <p>An access-token login is always encrypted, but {@code trustServerCertificate=true} turns verification of the server
 * off (the driver then trusts any certificate), and {@code encrypt=false/optional} do not ask for it. The driver's defaults
 * ({@code encrypt=true}, {@code trustServerCertificate=false}) verify, so nothing is added.
 */
public final class SqlServerDialect implements Dialect {

    SqlServerDialect() {}

    /**
     * For the access-token callback: the scope to request for the {@code spn} the server announced (mssql-jdbc passes
     * it from the server's FEDAUTHINFO, e.g. {@code https://database.windows.net/}), or the configured one. Either must
     * be a database audience: a server must not obtain a token for another service (Resource Manager, Key Vault) by
     * announcing it. Throws {@link IllegalArgumentException} naming the problem.
     */
    public String pluginScope(String spn, String configuredScope) {
        if (configuredScope != null) {
            String problem = checkScope(configuredScope);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return configuredScope.trim();
        }
        if (spn == null || spn.isBlank()) {
            return defaultScope("");
        }
        String trimmed = spn.trim();
        String scope = (trimmed.endsWith("/") ? trimmed : trimmed + "/") + ".default";
        if (checkScope(scope) != null) {
            throw new IllegalArgumentException(
                    "the server asked for a token for " + trimmed + ", which is not a database "
                            + "audience (" + defaultAudience("")
                            + "/ or its sovereign-cloud variant): refused, a token of another "
                            + "service must not leave the application. Check that the JDBC URL names your Azure SQL server");
        }
        return scope.replace("//.default", "/.default");
    }

    /**
     * The URL mssql-jdbc connects with: {@code jdbcUrl} with {@code properties} appended as connection-string properties
     * (as {@link #target} read them), for a login that must go through {@code SQLServerDataSource} to hand the driver
     * a callback instance.
     */
    public static String connectionString(String jdbcUrl, Properties properties) {
        StringBuilder url = new StringBuilder(jdbcUrl);
        for (Map.Entry<Object, Object> e : properties.entrySet()) {
            String value = String.valueOf(e.getValue());
            if (url.charAt(url.length() - 1) != ';') {
                url.append(';');
            }
            url.append(e.getKey()).append('=');
            if (value.matches(".*[;={}].*")) { // values with ; = or braces are brace-quoted
                url.append('{').append(value.replace("}", "}}")).append('}');
            } else {
                url.append(value);
            }
        }
        return url.toString();
    }

    /**
     * How long mssql-jdbc lets a login with {@code properties} (as {@link #target} returned them: a loginTimeout of the
     * URL is among them) take: the user's loginTimeout, else (unset, 0 or unreadable) the driver's own default, as it
     * reports it (30 s in mssql-jdbc 13). For a login that no pool gives a timeout ({@code jdbc:azuremi:sqlserver:}),
     * to hand {@link #withLoginTimeout}.
     */
    public static Duration loginTimeout(Properties properties) {
        for (String key : properties.stringPropertyNames()) {
            if (key.equalsIgnoreCase("loginTimeout")) {
                try {
                    long seconds = Long.parseLong(properties.getProperty(key).trim());
                    if (seconds > 0) {
                        return Duration.ofSeconds(seconds);
                    }
                } catch (NumberFormatException unreadable) {
                    // mssql-jdbc refuses it at connect, naming it
                }
            }
        }
        return MssqlJdbc.DefaultLoginTimeout.VALUE;
    }

    /** The driver is about to send a token on this thread: its packet loggers drop their dumps for a while. */
    public static void guardPacketLogs() {
        PacketLogGuard.tokenRequested();
    }

    @Override
    public String urlPrefix() {
        return "jdbc:sqlserver:";
    }

    @Override
    public String displayName() {
        return "SQL Server";
    }

    @Override
    public String driverClassName() {
        return "com.microsoft.sqlserver.jdbc.SQLServerDriver";
    }

    @Override
    public String driverArtifact() {
        return "com.microsoft.sqlserver:mssql-jdbc";
    }

    @Override
    public boolean loginWithUsername() {
        return false;
    }

    @Override
    public String principalWord() {
        return "user";
    }

    @Override
    public String createPrincipalExample() {
        return "CREATE USER [<identity name>] FROM EXTERNAL PROVIDER";
    }

    @Override
    public String audiencePrefix() {
        return "database";
    }

    @Override
    public boolean isAuthFailure(String sqlState, int vendorCode) {
        return "28000".equals(sqlState) || vendorCode == 18456;
    }

    @Override
    public String roleHint() {
        return "create a contained user with CREATE USER [<identity name>] FROM EXTERNAL PROVIDER and "
                + "grant it roles (ALTER ROLE db_datareader ADD MEMBER [<identity name>])";
    }

    @Override
    public String roleFix() {
        return "In the database, as its Entra admin: CREATE USER [<identity name>] FROM EXTERNAL PROVIDER; "
                + "ALTER ROLE db_datareader ADD MEMBER [<identity name>]; (\"Login failed for token-identified principal\" "
                + "means this user is missing).";
    }

    @Override
    public String currentUserSql() {
        return "SELECT SUSER_SNAME()";
    }

    @Override
    public String secureTransportSetting() {
        return "encrypt=true (or strict) with trustServerCertificate=false (both the driver's defaults: leave them unset)";
    }

    @Override
    public Target target(String jdbcUrl, Properties driverProperties, boolean allowUnverifiedTransport) {
        if (!Dialect.isPresent("com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback")) {
            throw new IllegalArgumentException(
                    "jdbc:sqlserver: URLs need mssql-jdbc 12.4 or later on the classpath (for its "
                            + "SQLServerAccessTokenCallback); add the dependency " + driverArtifact());
        }
        return MssqlJdbc.target(this, jdbcUrl, driverProperties, allowUnverifiedTransport);
    }

    @Override
    public Properties withLoginTimeout(Properties properties, Duration timeout) {
        Properties p = PostgresDialect.copy(properties);
        if (p.keySet().stream().noneMatch(k -> ((String) k).equalsIgnoreCase("loginTimeout"))) {
            p.setProperty("loginTimeout", Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000)));
        }
        // loginTimeout does not bound the reads of PRELOGIN: a server that accepts TCP and says nothing would hold the
        // login forever. socketTimeout does; it is reset to the user's value once logged in (afterLogin)
        if (p.keySet().stream().noneMatch(k -> ((String) k).equalsIgnoreCase("socketTimeout"))) {
            p.setProperty("socketTimeout", Long.toString(Math.max(1000, timeout.toMillis())));
        }
        return p;
    }

    @Override
    public void afterLogin(java.sql.Connection connection, Properties properties) throws java.sql.SQLException {
        if (properties.keySet().stream().noneMatch(k -> ((String) k).equalsIgnoreCase("socketTimeout"))) {
            connection.setNetworkTimeout(Runnable::run, 0);
        }
    }

    /** The mssql-jdbc calls, loaded only when mssql-jdbc is present. */
    private static final class MssqlJdbc {

        /** mssql-jdbc's loginTimeout when none is set (a 0 means it too), read once from the driver. */
        static final class DefaultLoginTimeout {
            static final Duration VALUE = read();

            private static Duration read() {
                try {
                    return Duration.ofSeconds(Long.parseLong(effective("jdbc:sqlserver://localhost")
                            .get("logintimeout")
                            .trim()));
                } catch (RuntimeException notReported) {
                    return Duration.ofSeconds(30); // mssql-jdbc 13's, should a later version stop reporting its default
                }
            }
        }

        static Target target(SqlServerDialect dialect, String jdbcUrl, Properties userProperties, boolean allow) {
            refuseSpelledTwice(userProperties);
            Properties props = PostgresDialect.copy(userProperties);
            Map<String, String> effective = effective(connectionString(jdbcUrl, props));
            for (String key : new String[] {"loginTimeout", "socketTimeout"}) {
                if (jdbcUrl.toLowerCase(Locale.ROOT).contains(key.toLowerCase(Locale.ROOT) + "=")) {
                    props.setProperty(
                            key,
                            effective.get(key.toLowerCase(Locale.ROOT))); // keep the user's: the login appends ours
                }
            }
            List<String> hosts = new ArrayList<>();
            hosts.add(effective.getOrDefault("servername", ""));
            String partner = effective.getOrDefault("failoverpartner", "");
            if (!partner.isBlank()) {
                int backslash = partner.indexOf('\\');
                hosts.add((backslash < 0 ? partner : partner.substring(0, backslash)).trim());
            }
            // mssql-jdbc connects one address with the JDK's default socket, which -DsocksProxyHost reroutes
            boolean loopbackOnly =
                    effective.getOrDefault("socketfactoryclass", "").isBlank()
                            && Dialect.jvmSocksProxy() == null
                            && hosts.stream().allMatch(Dialect::isLoopback);
            String encrypt = effective.getOrDefault("encrypt", "true").trim().toLowerCase(Locale.ROOT);
            boolean trustAny = "true"
                    .equalsIgnoreCase(effective
                            .getOrDefault("trustservercertificate", "false")
                            .trim());
            boolean strict = encrypt.equals("strict");
            boolean encryptOn =
                    strict || encrypt.equals("true") || encrypt.equals("mandatory") || encrypt.equals("yes");
            // mssql-jdbc hands the whole certificate check to a trustManagerClass, before its strict branch and without
            // its host name check: a class this library cannot judge (one that accepts everything is a man in the
            // middle)
            String trustManager =
                    effective.getOrDefault("trustmanagerclass", "").trim();
            boolean verified = (strict || encryptOn && !trustAny) && trustManager.isEmpty();
            String transport = "TLS, encrypt=" + encrypt + (trustAny ? ", trustServerCertificate=true" : "")
                    + (trustManager.isEmpty() ? "" : ", trustManagerClass=" + trustManager);
            if (!verified && !loopbackOnly && !allow && !trustManager.isEmpty() && (strict || encryptOn && !trustAny)) {
                String remote = hosts.stream()
                        .filter(h -> !Dialect.isLoopback(h))
                        .findFirst()
                        .orElse(hosts.get(0));
                throw new IllegalArgumentException(
                        "trustManagerClass=" + trustManager + " replaces mssql-jdbc's check of the "
                                + "certificate of " + remote
                                + " (and its host name) with a class this library cannot judge: one that "
                                + "accepts any certificate lets anyone on the path pose as the server and read the token. Remove "
                                + "trustManagerClass and use " + dialect.secureTransportSetting()
                                + ", with trustStore for a private CA; "
                                + "only for a trusted network, set allowUnverifiedTransport=true");
            }
            if (!verified && !loopbackOnly && !allow) {
                String remote = hosts.stream()
                                .filter(h -> !Dialect.isLoopback(h))
                                .findFirst()
                                .orElse(hosts.get(0))
                        + (Dialect.jvmSocksProxy() != null
                                ? " through the JVM-wide SOCKS proxy -DsocksProxyHost=" + Dialect.jvmSocksProxy()
                                : "");
                String setting = !encryptOn ? "encrypt=" + encrypt : "trustServerCertificate=true";
                // encrypt=false/optional only do not ASK for verification: mssql-jdbc 13.2.1 still verified the fake
                // TDS
                // server's certificate for a token login then, but nothing documents that it must
                String effect = !encryptOn
                        ? " does not ask mssql-jdbc to verify the certificate of " + remote
                        : " makes mssql-jdbc accept any certificate from " + remote;
                throw new IllegalArgumentException(setting + effect
                        + " (a token login is encrypted, but without verifying the server anyone on the path can pose as it and "
                        + "read the token, and whoever reads the token can log in as the identity until it expires). Use "
                        + dialect.secureTransportSetting()
                        + ", with trustStore for a private CA; only for a trusted network, "
                        + "set allowUnverifiedTransport=true");
            }
            return new Target(
                    dialect,
                    hosts,
                    props,
                    loopbackOnly,
                    loopbackOnly && !verified ? transport + " (loopback)" : transport);
        }

        /** Every setting's effective value (names lower-cased), as the driver merges URL and properties. */
        /**
         * mssql-jdbc reads names in any case and the last in the connection string wins, but the properties are
         * appended in their Hashtable's order, which the login's own timeouts change: two spellings of one name would
         * be judged with one value and log in with the other.
         */
        private static void refuseSpelledTwice(Properties properties) {
            Map<String, String> seen = new HashMap<>();
            for (String name : properties.stringPropertyNames()) {
                String other = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
                if (other != null) {
                    throw new IllegalArgumentException(other + " and " + name + " are both set in the driver "
                            + "properties: mssql-jdbc reads names in any case, so they are one setting with two values. "
                            + "Keep one of them");
                }
            }
        }

        private static Map<String, String> effective(String url) {
            DriverPropertyInfo[] info;
            try {
                info = new SQLServerDriver().getPropertyInfo(url, new Properties());
            } catch (SQLException e) {
                throw new IllegalArgumentException(
                        "jdbcUrl cannot be used: mssql-jdbc does not accept it ("
                                + e.getClass().getSimpleName()
                                + "); it must look like jdbc:sqlserver://<server>:1433;databaseName=<db>",
                        e);
            }
            Map<String, String> values = new HashMap<>();
            for (DriverPropertyInfo i : info) {
                if (i.value != null) {
                    values.put(i.name.toLowerCase(Locale.ROOT), i.value);
                }
            }
            return values;
        }
    }
}
