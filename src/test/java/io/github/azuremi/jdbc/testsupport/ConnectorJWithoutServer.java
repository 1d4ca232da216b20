package io.github.azuremi.jdbc.testsupport;

import com.mysql.cj.CharsetSettings;
import com.mysql.cj.NativeSession;
import com.mysql.cj.conf.ConnectionUrl;
import com.mysql.cj.conf.DefaultPropertySet;
import com.mysql.cj.conf.HostInfo;
import com.mysql.cj.log.NullLogger;
import com.mysql.cj.protocol.SocketConnection;
import com.mysql.cj.protocol.a.NativeProtocol;
import com.mysql.cj.protocol.a.NativeServerSession;
import java.lang.reflect.Proxy;
import java.util.Properties;

/**
 * Connector/J's own protocol and session for a JDBC URL, as Connector/J builds them before it authenticates (the
 * URL's properties for the host, the property set), over a socket that only says which host it reached and whether
 * TLS is up: what an authentication plugin is handed, without a server. The password is encoded as UTF-8.
 */
public final class ConnectorJWithoutServer {

    private ConnectorJWithoutServer() {}

    public static NativeProtocol protocol(String jdbcUrl, String connectedHost, boolean tls) {
        HostInfo host = ConnectionUrl.getConnectionUrlInstance(jdbcUrl, new Properties())
                .getMainHost();
        DefaultPropertySet set = new DefaultPropertySet();
        set.initializeProperties(host.exposeAsProperties());
        SocketConnection socket = proxy(SocketConnection.class, method -> switch (method) {
            case "getHost" -> connectedHost;
            case "isSSLEstablished" -> tls;
            case "getPropertySet" -> set;
            default -> null; // streams and the rest: a plugin's step sends nothing itself
        });
        NativeSession session = new NativeSession(host, set);
        CharsetSettings charsets =
                proxy(CharsetSettings.class, method -> "getPasswordCharacterEncoding".equals(method) ? "UTF-8" : null);
        return new NativeProtocol(new NullLogger("test")) {
            {
                init(session, socket, set, null);
                serverSession = new NativeServerSession(set);
                serverSession.setCharsetSettings(charsets);
            }
        };
    }

    private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answer) {
        return type.cast(Proxy.newProxyInstance(
                ConnectorJWithoutServer.class.getClassLoader(),
                new Class<?>[] {type},
                (p, method, args) -> answer.apply(method.getName())));
    }
}
