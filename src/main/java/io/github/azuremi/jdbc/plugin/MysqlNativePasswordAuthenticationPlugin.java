package io.github.azuremi.jdbc.plugin;

import com.mysql.cj.callback.MysqlCallbackHandler;
import com.mysql.cj.protocol.Protocol;
import com.mysql.cj.protocol.a.NativePacketPayload;
import com.mysql.cj.protocol.a.authentication.MysqlNativePasswordPlugin;
import io.github.azuremi.jdbc.internal.plugin.ConnectorJLogin;
import java.util.List;

/**
 * Connector/J's {@code mysql_native_password} plugin with an access token as the password, for MySQL-compatible
 * servers that keep the token as an ordinary password (a local MariaDB or MySQL in tests, a proxy that checks tokens
 * that way). Azure Database for MySQL asks for {@code mysql_clear_password}: use {@link MysqlAuthenticationPlugin}
 * there. Name it in {@code authenticationPlugins} and {@code defaultAuthenticationPlugin}; settings and transport
 * rules as for {@link MysqlAuthenticationPlugin}.
 */
public class MysqlNativePasswordAuthenticationPlugin extends MysqlNativePasswordPlugin {

    /** The token login; this class only hands Connector/J's calls to it. */
    private final ConnectorJLogin login = new ConnectorJLogin(getClass().getSimpleName());

    @Override
    public boolean nextAuthenticationStep(NativePacketPayload fromServer, List<NativePacketPayload> toServer) {
        return login.step(super::setAuthenticationParameters, () -> super.nextAuthenticationStep(fromServer, toServer));
    }

    @Override
    public void init(Protocol<NativePacketPayload> protocol, MysqlCallbackHandler callbackHandler) {
        super.init(protocol, callbackHandler);
        login.init(protocol);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }

    @Override
    public void setAuthenticationParameters(String user, String password) {
        super.setAuthenticationParameters(login.setCredentials(user, password), null);
    }
}
