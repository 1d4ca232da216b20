package io.github.azuremi.jdbc.internal.db;

import com.mysql.cj.conf.ConnectionUrl;
import com.mysql.cj.conf.HostInfo;
import com.mysql.cj.conf.PropertyDefinitions.SslMode;
import com.mysql.cj.conf.PropertyKey;
import com.mysql.cj.jdbc.JdbcPropertySetImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Azure Database for MySQL (flexible server): the token is a clear-text password ({@code mysql_clear_password}),
 * which Connector/J sends only over TLS. URLs and properties are read by Connector/J's own {@code ConnectionUrl}
 * (every host of failover, load-balancing and replication URLs, {@code address=(host=..)(key=value)} per-host
 * properties, properties passed to the driver overriding the URL's) and its property set, which turns
 * {@code useSSL}/{@code requireSSL}/{@code verifyServerCertificate} into the {@code sslMode} it will use.
 *
 * <p>Default: {@code sslMode=VERIFY_IDENTITY} towards a non-loopback host ({@code REQUIRED} towards loopback), and
 * the clear-text plugin unless TLS is explicitly off on every host (then a local server that stores the token as
 * an ordinary password works).
 */
public final class MySqlDialect implements Dialect {

    static final String CLEAR_PASSWORD_PLUGIN = "com.mysql.cj.protocol.a.authentication.MysqlClearPasswordPlugin";
    static final String STANDARD_SOCKET_FACTORY = "com.mysql.cj.protocol.StandardSocketFactory";
    private static final List<String> TLS_KEYS = List.of("sslMode", "useSSL", "requireSSL", "verifyServerCertificate");
    private static final List<String> CASE_SENSITIVE_KEYS = List.of(
            "sslMode",
            "useSSL",
            "requireSSL",
            "verifyServerCertificate",
            "traceProtocol",
            "socketFactory",
            "defaultAuthenticationPlugin",
            "authenticationPlugins",
            "trustCertificateKeyStoreUrl");

    MySqlDialect() {}

    /**
     * For the Connector/J plugins, at the moment the server asks for the password: whether the token may go over this
     * connection. {@code host} is the host Connector/J connected to, {@code sslMode} the mode it used and {@code tls}
     * whether TLS is up; the other values are those of the connection's property set. Throws
     * {@link IllegalArgumentException} naming the setting and the fix (the URL's: nothing can be defaulted at this
     * point) when the server is not verified and not this machine (see {@link #reroutedThrough}), unless
     * {@code allowUnverifiedTransport}, and always when Connector/J would log the login packet
     * ({@link #refusePacketLogging}).
     */
    public void pluginTransport(
            String host,
            String sslMode,
            boolean tls,
            String socketFactory,
            String socksProxyHost,
            boolean traceProtocol,
            boolean enablePacketDebug,
            boolean allowUnverifiedTransport) {
        refusePacketLogging(traceProtocol, enablePacketDebug, "the JDBC URL or driver properties");
        boolean verified = tls && "VERIFY_IDENTITY".equals(sslMode);
        if (verified || allowUnverifiedTransport) {
            return; // the common case builds no text: this runs on every login
        }
        String via = reroutedThrough(socketFactory, socksProxyHost);
        if (via == null && Dialect.isLoopback(host)) {
            return;
        }
        String to = host + (via == null ? "" : " " + via);
        String what = !tls
                ? "lets the connection to " + to + " run without TLS, so the access token would cross the "
                        + "network in clear text"
                : "encrypts the connection to " + to + " without verifying the server's host name"
                        + ("REQUIRED".equals(sslMode) ? " or certificate" : "")
                        + ", so anyone on the path can pose as the server";
        throw new IllegalArgumentException("sslMode=" + sslMode + " (as Connector/J reads the JDBC URL and driver "
                + "properties) " + what + " (whoever reads the token can log in as the identity until it expires). Use "
                + "sslMode=VERIFY_IDENTITY in the JDBC URL, with trustCertificateKeyStoreUrl for a private CA; only for a "
                + "trusted network, set allowUnverifiedTransport=true");
    }

    /**
     * Connector/J settings that put packets, the login packet with the access token included, where others read them:
     * {@code traceProtocol} logs every packet; {@code enablePacketDebug} keeps hex dumps of the last packets sent (the
     * clear-text password reply included) and writes them into the message of exceptions on some error paths. Refused
     * on every path, whatever {@code allowUnverifiedTransport} says.
     */
    static void refusePacketLogging(boolean traceProtocol, boolean enablePacketDebug, String where) {
        if (traceProtocol) {
            throw new IllegalArgumentException(
                    "traceProtocol=true makes Connector/J log every packet, the login packet with "
                            + "the access token included. Remove traceProtocol (from " + where + ")");
        }
        if (enablePacketDebug) {
            throw new IllegalArgumentException(
                    "enablePacketDebug=true makes Connector/J keep hex dumps of the packets it "
                            + "sends, the login packet with the access token included, and write them into exception messages and logs. "
                            + "Remove enablePacketDebug (from " + where + ")");
        }
    }

    /**
     * Null when Connector/J connects straight to the host it names; else through what, in words: a socket factory other
     * than its standard one, a SOCKS proxy ({@code socksProxyHost}, with which Connector/J switches to its
     * {@code SocksProxySocketFactory}) or the JVM-wide one ({@link Dialect#jvmSocksProxy}). A host reached that way is
     * not this machine, whatever its name.
     */
    static String reroutedThrough(String socketFactory, String socksProxyHost) {
        if (socksProxyHost != null && !socksProxyHost.isBlank()) {
            return "through the SOCKS proxy socksProxyHost=" + socksProxyHost.trim();
        }
        if (socketFactory != null
                && !socketFactory.isBlank()
                && !STANDARD_SOCKET_FACTORY.equals(socketFactory.trim())) {
            return "through socketFactory=" + socketFactory.trim();
        }
        String jvm = Dialect.jvmSocksProxy();
        return jvm == null ? null : "through the JVM-wide SOCKS proxy -DsocksProxyHost=" + jvm;
    }

    @Override
    public String urlPrefix() {
        return "jdbc:mysql:";
    }

    @Override
    public String displayName() {
        return "MySQL";
    }

    @Override
    public String driverClassName() {
        return "com.mysql.cj.jdbc.Driver";
    }

    @Override
    public String driverArtifact() {
        return "com.mysql:mysql-connector-j";
    }

    @Override
    public boolean loginWithUsername() {
        return true;
    }

    @Override
    public String principalWord() {
        return "user";
    }

    @Override
    public String createPrincipalExample() {
        return "CREATE AADUSER '<name>'";
    }

    @Override
    public String audiencePrefix() {
        return "ossrdbms-aad.database";
    }

    @Override
    public boolean isAuthFailure(String sqlState, int vendorCode) {
        return "28000".equals(sqlState) || vendorCode == 1045;
    }

    @Override
    public String roleHint() {
        return "create the user with CREATE AADUSER '<name>' IDENTIFIED BY '<client id>' as the Entra admin, "
                + "and set username to that name; the token is sent with mysql_clear_password, which needs TLS";
    }

    @Override
    public String roleFix() {
        return "As the server's Entra admin: CREATE AADUSER '<name>' IDENTIFIED BY '<client id>'; then use that "
                + "name as the username.";
    }

    @Override
    public String currentUserSql() {
        return "SELECT CURRENT_USER()";
    }

    @Override
    public String secureTransportSetting() {
        return "sslMode=VERIFY_IDENTITY (or leave sslMode, useSSL and requireSSL unset: the library sets VERIFY_IDENTITY)";
    }

    @Override
    public Target target(String jdbcUrl, Properties driverProperties, boolean allowUnverifiedTransport) {
        if (!Dialect.isPresent(driverClassName())) {
            throw new IllegalArgumentException("jdbc:mysql: URLs need Connector/J on the classpath (to read the URL as "
                    + "the driver does and to log in); add the dependency " + driverArtifact());
        }
        return ConnectorJ.target(this, jdbcUrl, driverProperties, allowUnverifiedTransport);
    }

    @Override
    public Properties withLoginTimeout(Properties properties, Duration timeout) {
        Properties p = PostgresDialect.copy(properties);
        String millis = Long.toString(Math.max(1000, timeout.toMillis()));
        p.putIfAbsent("connectTimeout", millis);
        // socketTimeout bounds each read of the handshake; the login resets it to the user's value afterwards
        p.putIfAbsent("socketTimeout", millis);
        return p;
    }

    /** The login's socket timeout must not stay on the connection: back to none unless the user set one. */
    @Override
    public void afterLogin(java.sql.Connection connection, Properties properties) throws java.sql.SQLException {
        if (properties.getProperty("socketTimeout") == null) {
            connection.setNetworkTimeout(Runnable::run, 0);
        }
    }

    /** The Connector/J calls, loaded only when Connector/J is present. */
    private static final class ConnectorJ {

        /** A host as Connector/J will reach it; {@code via}: see {@link MySqlDialect#reroutedThrough}. */
        record HostMode(
                String host,
                SslMode mode,
                Properties properties,
                String via,
                boolean traceProtocol,
                boolean enablePacketDebug) {}

        static Target target(MySqlDialect dialect, String jdbcUrl, Properties userProperties, boolean allow) {
            Properties props = PostgresDialect.copy(userProperties);
            List<HostMode> hosts = read(jdbcUrl, props);
            boolean srv = isDnsSrv(jdbcUrl, props);
            boolean loopbackOnly =
                    !srv && hosts.stream().allMatch(h -> Dialect.isLoopback(h.host()) && h.via() == null);
            boolean userChoseTls = hosts.stream()
                    .anyMatch(
                            h -> TLS_KEYS.stream().anyMatch(k -> h.properties().containsKey(k)));
            if (!userChoseTls) {
                props.setProperty("sslMode", loopbackOnly ? "REQUIRED" : "VERIFY_IDENTITY");
            }
            hosts = read(jdbcUrl, props);
            for (String key : List.of("connectTimeout", "socketTimeout")) {
                // the login timeouts go into the driver properties, which override the URL's: keep the user's value
                String fromUrl = hosts.get(0).properties().getProperty(key);
                if (fromUrl != null) {
                    props.setProperty(key, fromUrl);
                }
            }
            boolean tlsOffEverywhere = hosts.stream().allMatch(h -> h.mode() == SslMode.DISABLED);
            if (!tlsOffEverywhere) {
                // Azure takes the token only through mysql_clear_password, which Connector/J sends only over TLS
                for (String key : List.of("defaultAuthenticationPlugin", "authenticationPlugins")) {
                    if (hosts.stream().noneMatch(h -> h.properties().containsKey(key))) {
                        props.setProperty(key, CLEAR_PASSWORD_PLUGIN); // whatever the user set explicitly wins
                    }
                }
                hosts = read(jdbcUrl, props);
            }
            for (HostMode h : hosts) {
                refusePacketLogging(h.traceProtocol(), h.enablePacketDebug(), "jdbcUrl or dataSourceProperties");
            }
            List<String> names = new ArrayList<>();
            HostMode weak = null;
            for (HostMode h : hosts) {
                names.add(h.host());
                if (h.mode() != SslMode.VERIFY_IDENTITY && weak == null) {
                    weak = h;
                }
            }
            if (weak != null && !loopbackOnly && !allow) {
                String setting = setting(weak.properties());
                String to = weak.host() + (weak.via() == null ? "" : " " + weak.via());
                String what = weak.mode() == SslMode.DISABLED || weak.mode() == SslMode.PREFERRED
                        ? "lets the connection to " + to + " run without TLS, so the access token would cross the "
                                + "network in clear text"
                        : "encrypts the connection to " + to + " without verifying the server's host name"
                                + (weak.mode() == SslMode.REQUIRED ? " or certificate" : "")
                                + ", so anyone on the path can pose as "
                                + "the server";
                throw new IllegalArgumentException(
                        setting + " (as Connector/J reads jdbcUrl and dataSourceProperties: sslMode="
                                + weak.mode() + " for " + weak.host() + ") " + what
                                + " (whoever reads the token can log in as the "
                                + "identity until it expires). Use " + dialect.secureTransportSetting() + ", with "
                                + "trustCertificateKeyStoreUrl for a private CA; only for a trusted network, set allowUnverifiedTransport=true");
            }
            String transport = hosts.isEmpty()
                    ? "?"
                    : "sslMode=" + hosts.get(0).mode() + (loopbackOnly && weak != null ? " (loopback)" : "");
            return new Target(dialect, names, props, loopbackOnly, transport);
        }

        private static String setting(Properties p) {
            List<String> set = new ArrayList<>();
            for (String k : TLS_KEYS) {
                if (p.getProperty(k) != null) {
                    set.add(k + "=" + p.getProperty(k));
                }
            }
            return set.isEmpty() ? "sslMode (unset)" : String.join(", ", set);
        }

        private static boolean isDnsSrv(String jdbcUrl, Properties props) {
            return connectionUrl(jdbcUrl, props).getType().name().contains("DNS_SRV");
        }

        private static ConnectionUrl connectionUrl(String jdbcUrl, Properties props) {
            try {
                return ConnectionUrl.getConnectionUrlInstance(jdbcUrl, props);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "jdbcUrl cannot be used: Connector/J does not accept it ("
                                + e.getClass().getSimpleName()
                                + "); it must look like jdbc:mysql://<host>:3306/<database>",
                        e);
            }
        }

        /** Every host with the properties and sslMode Connector/J will use for it; a DNS SRV URL is not resolved. */
        static List<HostMode> read(String jdbcUrl, Properties props) {
            ConnectionUrl url = connectionUrl(jdbcUrl, props);
            List<HostInfo> hosts =
                    url.getType().name().contains("DNS_SRV") ? List.of(url.getMainHost()) : url.getHostsList();
            List<HostMode> result = new ArrayList<>();
            for (HostInfo h : hosts) {
                Properties exposed = h.exposeAsProperties();
                for (String name : exposed.stringPropertyNames()) {
                    for (String key : CASE_SENSITIVE_KEYS) {
                        if (name.equalsIgnoreCase(key) && !name.equals(key)) {
                            throw new IllegalArgumentException(
                                    name + " is set in jdbcUrl or dataSourceProperties, but Connector/J "
                                            + "reads only " + key + " (names are case-sensitive) and ignores " + name
                                            + ". Rename it to " + key);
                        }
                    }
                }
                JdbcPropertySetImpl set = new JdbcPropertySetImpl();
                try {
                    set.initializeProperties(exposed);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(
                            "Connector/J refuses the properties of jdbcUrl/dataSourceProperties: " + e.getMessage(), e);
                }
                SslMode mode = set.<SslMode>getEnumProperty(PropertyKey.sslMode).getValue();
                String host = h.getHost() == null ? "" : h.getHost();
                result.add(new HostMode(
                        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host,
                        mode,
                        exposed,
                        reroutedThrough(
                                set.getStringProperty(PropertyKey.socketFactory).getValue(),
                                set.getStringProperty(PropertyKey.socksProxyHost)
                                        .getValue()),
                        Boolean.TRUE.equals(set.getBooleanProperty(PropertyKey.traceProtocol)
                                .getValue()),
                        Boolean.TRUE.equals(set.getBooleanProperty(PropertyKey.enablePacketDebug)
                                .getValue())));
            }
            return result;
        }
    }
}
