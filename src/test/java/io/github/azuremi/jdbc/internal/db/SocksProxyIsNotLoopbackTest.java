package io.github.azuremi.jdbc.internal.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, row 7: the data source took {@code jdbc:mysql://localhost/...?socksProxyHost=proxy.example} for
 * loopback and lowered its TLS default to REQUIRED (no certificate check), although Connector/J then connects through
 * the proxy, to wherever it forwards. Read with Connector/J's and pgjdbc's own parsers; no network.
 */
class SocksProxyIsNotLoopbackTest {

    private static final String SOCKS_FACTORY = "com.mysql.cj.protocol.SocksProxySocketFactory";
    private final String previousJvmProxy = System.getProperty("socksProxyHost");

    @AfterEach
    void restore() {
        if (previousJvmProxy == null) {
            System.clearProperty("socksProxyHost");
        } else {
            System.setProperty("socksProxyHost", previousJvmProxy);
        }
    }

    @Test
    void socksProxyHostOnLocalhost_theDataSourceDefaultsToVerifiedTls() {
        Target t = Dialect.MYSQL.target(
                "jdbc:mysql://localhost:3306/app?socksProxyHost=proxy.example", new Properties(), false);
        assertThat(t.loopbackOnly()).isFalse();
        assertThat(t.driverProperties().getProperty("sslMode")).isEqualTo("VERIFY_IDENTITY");
    }

    @Test
    void socksProxyHostOnLocalhost_unverifiedTlsIsRefusedNamingTheProxy() {
        Properties props = new Properties();
        props.setProperty("socksProxyHost", "proxy.example");
        assertThatThrownBy(() -> Dialect.MYSQL.target("jdbc:mysql://localhost:3306/app?sslMode=REQUIRED", props, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sslMode=REQUIRED")
                .hasMessageContaining(
                        "to localhost through the SOCKS proxy socksProxyHost=proxy.example without verifying")
                .hasMessageContaining("allowUnverifiedTransport=true");
        assertThatThrownBy(() -> Dialect.MYSQL.target(
                        "jdbc:mysql://127.0.0.1/app?sslMode=DISABLED&socketFactory=" + SOCKS_FACTORY
                                + "&socksProxyHost=proxy.example",
                        new Properties(),
                        false))
                .hasMessageContaining("in clear text");
        // the explicit opt-in still works, and Connector/J's standard factory alone does not reroute
        assertThat(Dialect.MYSQL
                        .target("jdbc:mysql://localhost/app?sslMode=REQUIRED&socksProxyHost=p", new Properties(), true)
                        .loopbackOnly())
                .isFalse();
        assertThat(Dialect.MYSQL
                        .target(
                                "jdbc:mysql://localhost/app?socketFactory=com.mysql.cj.protocol.StandardSocketFactory",
                                new Properties(),
                                false)
                        .loopbackOnly())
                .isTrue();
    }

    /** The plugins' view (Connector/J switches socketFactory to its SOCKS factory itself): the same rule. */
    @Test
    void thePluginRuleIsTheSame() {
        MySqlDialect my = (MySqlDialect) Dialect.MYSQL;
        assertThatThrownBy(() -> my.pluginTransport(
                        "localhost", "REQUIRED", true, SOCKS_FACTORY, "proxy.example", false, false, false))
                .hasMessageContaining("to localhost through the SOCKS proxy socksProxyHost=proxy.example");
        assertThatThrownBy(() -> my.pluginTransport(
                        "127.0.0.1", "DISABLED", false, "com.example.Tunnel", null, false, false, false))
                .hasMessageContaining("through socketFactory=com.example.Tunnel");
        my.pluginTransport(
                "localhost", "REQUIRED", true, MySqlDialect.STANDARD_SOCKET_FACTORY, null, false, false, false);
    }

    /**
     * -DsocksProxyHost sends the JDK's default sockets (pgjdbc's and Connector/J's) through the proxy: the JDK keeps
     * 127.0.0.0/8 and localhost direct but not ::1, and a ProxySelector may route anything, so no host counts as
     * loopback while it is set.
     */
    @Test
    void aJvmWideSocksProxy_noHostIsLoopback() {
        System.setProperty("socksProxyHost", "jvm-proxy.example");
        Target my = Dialect.MYSQL.target("jdbc:mysql://localhost:3306/app", new Properties(), false);
        assertThat(my.loopbackOnly()).isFalse();
        assertThat(my.driverProperties().getProperty("sslMode")).isEqualTo("VERIFY_IDENTITY");
        Target pg = Dialect.POSTGRESQL.target("jdbc:postgresql://localhost:5432/app", new Properties(), false);
        assertThat(pg.loopbackOnly()).isFalse();
        assertThat(pg.driverProperties().getProperty("sslmode")).isEqualTo("verify-full");
        assertThatThrownBy(() -> Dialect.POSTGRESQL.target(
                        "jdbc:postgresql://[::1]:5432/app?sslmode=disable", new Properties(), false))
                .hasMessageContaining("through the JVM-wide SOCKS proxy -DsocksProxyHost=jvm-proxy.example");
        Properties plugin =
                org.postgresql.Driver.parseURL("jdbc:postgresql://localhost/app?sslmode=require", new Properties());
        assertThatThrownBy(() -> ((PostgresDialect) Dialect.POSTGRESQL).pluginTarget(plugin, false))
                .hasMessageContaining("-DsocksProxyHost=jvm-proxy.example");
        System.clearProperty("socksProxyHost");
        assertThat(Dialect.MYSQL
                        .target("jdbc:mysql://localhost:3306/app", new Properties(), false)
                        .loopbackOnly())
                .isTrue();
    }
    /**
     * mssql-jdbc connects a single address with the JDK's default socket too ({@code new Socket()}), which
     * -DsocksProxyHost sends through the proxy: SQL Server took {@code serverName=::1} for this machine all the same and let a
     * token login accept any certificate through the proxy.
     */
    @Test
    void sqlServerIgnoredTheJvmWideSocksProxy_noHostIsLoopback() {
        System.setProperty("socksProxyHost", "jvm-proxy.example");
        assertThat(Dialect.SQLSERVER
                        .target("jdbc:sqlserver://localhost:1433;databaseName=app", new Properties(), false)
                        .loopbackOnly())
                .isFalse();
        assertThatThrownBy(() -> Dialect.SQLSERVER.target(
                        "jdbc:sqlserver://;serverName=::1;databaseName=app;trustServerCertificate=true",
                        new Properties(),
                        false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustServerCertificate=true")
                .hasMessageContaining("through the JVM-wide SOCKS proxy -DsocksProxyHost=jvm-proxy.example");
        System.clearProperty("socksProxyHost");
        assertThat(Dialect.SQLSERVER
                        .target(
                                "jdbc:sqlserver://;serverName=::1;databaseName=app;trustServerCertificate=true",
                                new Properties(),
                                false)
                        .loopbackOnly())
                .isTrue();
    }
}
