package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysql.cj.protocol.AuthenticationPlugin;
import com.mysql.cj.protocol.a.NativePacketPayload;
import com.mysql.cj.protocol.a.NativeProtocol;
import com.mysql.cj.protocol.a.authentication.MysqlClearPasswordPlugin;
import com.mysql.cj.protocol.a.authentication.MysqlNativePasswordPlugin;
import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.ConnectorJWithoutServer;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each Connector/J plugin answers the server's request exactly as Connector/J's own plugin would with the identity's
 * token as the password, and hands Connector/J its plugin's result (step done). Connector/J's own protocol without a
 * server ({@link ConnectorJWithoutServer}), over verified TLS to this machine; MysqlPluginTest logs in for real.
 */
class ConnectorJPluginsAnswerWithTheTokenTest {

    /** The server's scramble, as it arrives in the auth-switch request (NUL-terminated). */
    private static final byte[] SEED = "abcdefghij0123456789\0".getBytes(StandardCharsets.US_ASCII);

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final String clientId = UUID.randomUUID().toString();
    private final NativeProtocol protocol = ConnectorJWithoutServer.protocol(
            "jdbc:mysql://127.0.0.1:3306/app?sslMode=VERIFY_IDENTITY&credential=managed-identity"
                    + "&managedIdentityClientId=" + clientId,
            "127.0.0.1",
            true);

    @BeforeEach
    void start() {
        endpoint.reset();
    }

    @AfterEach
    void release() {
        PluginTokens.shared().releaseAll();
        endpoint.reset();
    }

    /** What {@code plugin} sends for the request, given the user (and, for Connector/J's own plugins, a password). */
    private byte[] answer(AuthenticationPlugin<NativePacketPayload> plugin, String password) {
        plugin.init(protocol, null);
        plugin.setAuthenticationParameters("app", password);
        List<NativePacketPayload> toServer = new ArrayList<>();
        assertThat(plugin.nextAuthenticationStep(new NativePacketPayload(SEED.clone()), toServer))
                .as("the step is done")
                .isTrue();
        assertThat(toServer).hasSize(1);
        return Arrays.copyOf(toServer.get(0).getByteBuffer(), toServer.get(0).getPayloadLength());
    }

    /** The one token issued to this test's identity (another test's request may still be answered meanwhile). */
    private String token() {
        List<String> issued = endpoint.issuedTokens().stream()
                .filter(t -> clientId.equals(t.clientId()))
                .map(LocalManagedIdentityEndpoint.IssuedToken::accessToken)
                .toList();
        assertThat(issued).hasSize(1);
        return issued.get(0);
    }

    @Test
    void theNativePasswordPluginAnswersWithTheScrambleOfTheToken() {
        byte[] sent = answer(new MysqlNativePasswordAuthenticationPlugin(), null);

        assertThat(sent).isNotEmpty().isEqualTo(answer(new MysqlNativePasswordPlugin(), token()));
    }

    @Test
    void theClearTextPluginAnswersWithTheToken() {
        byte[] sent = answer(new MysqlAuthenticationPlugin(), null);

        assertThat(sent).isEqualTo(answer(new MysqlClearPasswordPlugin(), token()));
        assertThat(new String(sent, StandardCharsets.UTF_8)).isEqualTo(token() + "\0");
    }
}
