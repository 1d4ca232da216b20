package io.github.azuremi.jdbc.internal.plugin;

import com.mysql.cj.conf.PropertyKey;
import com.mysql.cj.conf.PropertySet;
import com.mysql.cj.exceptions.ExceptionFactory;
import com.mysql.cj.protocol.Protocol;
import com.mysql.cj.protocol.StandardSocketFactory;
import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.MySqlDialect;

import java.time.Duration;

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

  public ConnectorJLogin(String name) {
    this.name = name;
  }

  public void init(Protocol<?> protocol) {
    this.protocol = protocol;
  }

  public void setUser(String user) {
    this.user = user;
  }

  public String user() {
    return user;
  }

  /** The token for this connection's login. */
  public String token() {
    try {
      PropertySet set = protocol.getPropertySet();
      PluginSettings settings = PluginSettings.read(set.exposeAsProperties(), PluginLogin.FROM_URL);
      String host = protocol.getSocketConnection().getHost();
      String factory = set.getStringProperty(PropertyKey.socketFactory).getValue();
      boolean customFactory = factory != null && !factory.equals(StandardSocketFactory.class.getName());
      ((MySqlDialect) Dialect.MYSQL).pluginTransport(host, String.valueOf(set.getEnumProperty(PropertyKey.sslMode).getValue()),
          protocol.getSocketConnection().isSSLEstablished(), customFactory,
          Boolean.TRUE.equals(set.getBooleanProperty(PropertyKey.traceProtocol).getValue()), settings.allowTokenWithoutTls());
      Integer connectTimeout = set.getIntegerProperty(PropertyKey.connectTimeout).getValue();
      Duration timeout = connectTimeout != null && connectTimeout > 0 ? Duration.ofMillis(connectTimeout)
          : settings.timings().fetchTimeout();
      return PluginLogin.token(Dialect.MYSQL, settings, host, timeout, "Connector/J " + name).accessToken();
    } catch (IllegalArgumentException | TokenUnavailableException e) {
      throw ExceptionFactory.createException(name + " - " + e.getMessage(), e);
    }
  }
}
