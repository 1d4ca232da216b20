package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysql.cj.exceptions.CJException;
import com.mysql.cj.protocol.a.NativeProtocol;
import io.github.azuremi.jdbc.testsupport.ConnectorJWithoutServer;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One Connector/J authentication step with the token as the password: the plugin is handed the token just before its
 * step and has it taken away right after, whether the step succeeded or threw, so that afterwards the token stays in
 * the cache only; a new lease's first token is awaited the token fetch timeout, however short connectTimeout is.
 * Connector/J's own protocol and session without a server ({@link ConnectorJWithoutServer}), so that the plugin's
 * credentials can be watched.
 */
class ConnectorJLoginStepTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final String clientId = UUID.randomUUID().toString();
    /** What the plugin was handed, in order: "user:password". */
    private final List<String> handed = new ArrayList<>();

    @BeforeEach
    void start() {
        endpoint.reset();
    }

    @AfterEach
    void release() {
        PluginTokens.shared().releaseAll();
        endpoint.reset();
    }

    /** The login of a connection to this machine (plaintext, as Connector/J allows it there), the user set. */
    private ConnectorJLogin loginToThisMachine() {
        return loginToThisMachine("");
    }

    private ConnectorJLogin loginToThisMachine(String moreParameters) {
        String url = "jdbc:mysql://127.0.0.1:3306/app?sslMode=DISABLED&credential=managed-identity"
                + "&managedIdentityClientId=" + clientId + moreParameters;
        NativeProtocol protocol = ConnectorJWithoutServer.protocol(url, "127.0.0.1", false);
        ConnectorJLogin login = new ConnectorJLogin("Plugin");
        login.init(protocol);
        login.setCredentials("app", null);
        return login;
    }

    /** The one token issued to this test's identity (a request of another test may still be answered). */
    private String issuedToken() {
        List<String> issued = endpoint.issuedTokens().stream()
                .filter(t -> clientId.equals(t.clientId()))
                .map(LocalManagedIdentityEndpoint.IssuedToken::accessToken)
                .toList();
        assertThat(issued).hasSize(1);
        return issued.get(0);
    }

    @Test
    void thePluginHoldsTheTokenOnlyWhileItsStepRuns() {
        ConnectorJLogin login = loginToThisMachine();
        List<String> duringTheStep = new ArrayList<>();

        boolean done = login.step((u, p) -> handed.add(u + ":" + p), () -> {
            duringTheStep.addAll(handed);
            return true;
        });

        assertThat(done).as("the plugin's own answer").isTrue();
        assertThat(duringTheStep).containsExactly("app:" + issuedToken());
        assertThat(handed).containsExactly("app:" + issuedToken(), "app:null");
    }

    @Test
    void aStepThatFailsStillTakesTheTokenBack() {
        ConnectorJLogin login = loginToThisMachine();
        CJException refused = new CJException("the server closed the connection");

        assertThatThrownBy(() -> login.step((u, p) -> handed.add(u + ":" + p), () -> {
                    throw refused;
                }))
                .isSameAs(refused);

        assertThat(handed).containsExactly("app:" + issuedToken(), "app:null");
    }

    @Test
    void theStepsAnswerIsThePlugins_moreToCome() {
        assertThat(loginToThisMachine().step((u, p) -> handed.add(u + ":" + p), () -> false))
                .isFalse();
    }

    @Test
    void aShortConnectTimeoutDoesNotCutTheFirstWaitOfANewLeaseShort_itLastsTheTokenFetchTimeout() {
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        ConnectorJLogin login = loginToThisMachine("&connectTimeout=300&tokenFetchTimeout=1000ms");

        assertThatThrownBy(() -> login.step((u, p) -> handed.add(u + ":" + p), () -> true))
                .isInstanceOf(CJException.class)
                .hasMessageStartingWith("Plugin - Could not get an access token")
                .hasMessageContaining("1000 ms"); // the reader's wait or the request's, whichever ends first
        assertThat(handed).as("no step without a token").isEmpty();
    }

    @Test
    void connectTimeoutZeroIsNoTimeout_theTokenFetchTimeoutBoundsTheWait() {
        endpoint.setFault(LocalManagedIdentityEndpoint.Fault.HANG);
        ConnectorJLogin login = loginToThisMachine("&connectTimeout=0&tokenFetchTimeout=700ms");

        assertThatThrownBy(() -> login.step((u, p) -> handed.add(u + ":" + p), () -> true))
                .isInstanceOf(CJException.class)
                .hasMessageStartingWith("Plugin - Could not get an access token")
                .hasMessageContaining("700 ms");
    }
}
