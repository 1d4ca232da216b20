package io.github.azuremi.jdbc.plugin;

import com.mysql.cj.callback.MysqlCallbackHandler;
import com.mysql.cj.protocol.Protocol;
import com.mysql.cj.protocol.a.NativePacketPayload;
import com.mysql.cj.protocol.a.authentication.MysqlClearPasswordPlugin;
import io.github.azuremi.jdbc.internal.plugin.ConnectorJLogin;
import java.util.List;

/**
 * Connector/J's {@code mysql_clear_password} plugin with an access token as the password: what Azure Database for
 * MySQL asks a Microsoft Entra login for. Connector/J sends it only over TLS. Name it in the JDBC URL:
 *
 * <pre>{@code
 * jdbc:mysql://<server>.mysql.database.azure.com:3306/<db>?sslMode=VERIFY_IDENTITY
 *     &authenticationPlugins=io.github.azuremi.jdbc.plugin.MysqlAuthenticationPlugin
 *     &defaultAuthenticationPlugin=io.github.azuremi.jdbc.plugin.MysqlAuthenticationPlugin
 *     &user=<user>&managedIdentityClientId=<client id of a user-assigned identity>
 * }</pre>
 *
 * <p>Settings as for {@link PostgresAuthenticationPlugin}. The login is refused, naming the setting, unless the
 * connection verifies the server ({@code sslMode=VERIFY_IDENTITY}) or the host is this machine. Connector/J makes
 * one instance per connection; tokens come from the library's shared cache.
 */
public class MysqlAuthenticationPlugin extends MysqlClearPasswordPlugin {

    /** The token login; this class only hands Connector/J's calls to it. */
    private final ConnectorJLogin login = new ConnectorJLogin(getClass().getSimpleName());

    @Override
    public void init(Protocol<NativePacketPayload> protocol, MysqlCallbackHandler callbackHandler) {
        super.init(protocol, callbackHandler);
        login.init(protocol);
    }

    @Override
    public void setAuthenticationParameters(String user, String password) {
        super.setAuthenticationParameters(login.setCredentials(user, password), null);
    }

    @Override
    public boolean nextAuthenticationStep(NativePacketPayload fromServer, List<NativePacketPayload> toServer) {
        return login.step(super::setAuthenticationParameters, () -> super.nextAuthenticationStep(fromServer, toServer));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
