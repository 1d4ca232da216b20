package io.github.azuremi.jdbc.internal.plugin;

import com.mysql.cj.conf.PropertyKey;
import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.exceptions.ExceptionFactory;
import com.mysql.cj.protocol.Protocol;
import com.mysql.cj.protocol.a.NativeProtocol;
import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.MySqlDialect;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The Connector/J half of the MySQL plugins (loaded only by them, so only with Connector/J present): reads the
 * settings from the connection's property set (the URL's parameters and the driver properties), judges the transport
 * of the connection at hand (the host it reached, its sslMode, whether TLS is up) and gets the token. Failures become
 * Connector/J exceptions whose message starts with the plugin's name. One instance per plugin instance, used by the
 * connecting thread only.
 */
public final class ConnectorJLogin {

    private final String name;
    private Protocol<?> protocol;
    private String user;
    private boolean passwordGiven;

    public ConnectorJLogin(String name) {
        this.name = name;
    }

    public void init(Protocol<?> protocol) {
        this.protocol = protocol;
    }

    /**
     * What Connector/J passes every plugin; the password only to refuse it (the token is the password).
     *
     * @return the user, for the plugin to keep (without the password)
     */
    public String setCredentials(String user, String password) {
        this.user = user;
        this.passwordGiven = password != null && !password.isEmpty();
        return user;
    }

    /**
     * One authentication step of the plugin with the token as its password: the plugin holds the token only during
     * {@code step}, so that afterwards it stays in the cache only.
     *
     * @param credentials the plugin's own {@code setAuthenticationParameters}
     * @param step        the plugin's own {@code nextAuthenticationStep}
     */
    public boolean step(BiConsumer<String, String> credentials, BooleanSupplier step) {
        credentials.accept(user, token());
        try {
            return step.getAsBoolean();
        } finally {
            credentials.accept(user, null);
        }
    }

    /**
     * What the user set (the URL's parameters and the driver properties, as Connector/J merged them for this host):
     * a handful of entries, where the property set would expose all ~175 of Connector/J's (tens of microseconds per
     * login, measured by PluginConnectionBenchmark).
     */
    private Properties userProperties(PropertySet set) {
        if (protocol instanceof NativeProtocol nativeProtocol
                && nativeProtocol.getSession() != null
                && nativeProtocol.getSession().getHostInfo() != null) {
            Properties p = new Properties();
            nativeProtocol.getSession().getHostInfo().getHostProperties().forEach((k, v) -> {
                if (k != null && v != null) {
                    p.setProperty(k, v);
                }
            });
            return p;
        }
        return set.exposeAsProperties();
    }

    /** The token for this connection's login. */
    String token() {
        try {
            if (passwordGiven) { // Connector/J keeps the password out of its property set: it only reaches us here
                throw new IllegalArgumentException(
                        "password is set, but the password of every login is the access token "
                                + "the plugin fetches for the identity; remove the password (in " + PluginLogin.FROM_URL
                                + ")");
            }
            PropertySet set = protocol.getPropertySet();
            PluginSettings settings = PluginSettings.read(userProperties(set), PluginLogin.FROM_URL);
            String host = protocol.getSocketConnection().getHost();
            ((MySqlDialect) Dialect.MYSQL)
                    .pluginTransport(
                            host,
                            String.valueOf(
                                    set.getEnumProperty(PropertyKey.sslMode).getValue()),
                            protocol.getSocketConnection().isSSLEstablished(),
                            set.getStringProperty(PropertyKey.socketFactory).getValue(),
                            set.getStringProperty(PropertyKey.socksProxyHost).getValue(),
                            Boolean.TRUE.equals(set.getBooleanProperty(PropertyKey.traceProtocol)
                                    .getValue()),
                            Boolean.TRUE.equals(set.getBooleanProperty(PropertyKey.enablePacketDebug)
                                    .getValue()),
                            settings.allowUnverifiedTransport());
            Integer connectTimeout =
                    set.getIntegerProperty(PropertyKey.connectTimeout).getValue();
            Duration timeout = connectTimeout != null && connectTimeout > 0
                    ? Duration.ofMillis(connectTimeout)
                    : settings.timings().fetchTimeout();
            return PluginLogin.token(Dialect.MYSQL, settings, host, timeout, "Connector/J " + name)
                    .accessToken();
        } catch (IllegalArgumentException | TokenUnavailableException e) {
            throw ExceptionFactory.createException(name + " - " + e.getMessage(), e);
        }
    }
}
