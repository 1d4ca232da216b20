package io.github.azuremi.jdbc.internal.credential;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Review of issue 16 (the regression): the probe connects straight to the endpoint it read, but azure-identity's
 * HTTP client goes through HTTPS_PROXY (azure-core reads it by default; AKS's HTTP proxy feature injects it into
 * every pod). In a pod whose only way out is that proxy, the direct connection to the Entra authority fails at once
 * (no route, or the name does not even resolve), so azure-identity is cut off {@link
 * DiagnosingCredential#GRACE_AFTER_PROBE_MS} after it was asked: a workload identity whose first token takes longer
 * than that (a cold JVM: instance discovery plus the token exchange, through the proxy, on a small CPU limit) fails
 * the pool's first connection with "No managed identity is reachable from this host" although an identity is
 * configured and reachable. The fast failure is for a host with no identity at all
 * ({@link ManagedIdentityEnvironment#noIdentityConfigured}), which this is not.
 */
class SlowIdentityBehindAProxyIsNotCutShortTest {

    private static final TokenRequestContext SCOPE =
            new TokenRequestContext().addScopes("https://ossrdbms-aad.database.windows.net/.default");

    @Test
    void aConfiguredWorkloadIdentitySlowerThanTheGraceIsNotRefusedOnTheProbesReading() {
        var env = ManagedIdentityEnvironment.detect(Map.of(
                "AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token",
                "AZURE_TENANT_ID", "72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d",
                "AZURE_CLIENT_ID", "5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c",
                // resolvable only by the proxy, as in a pod whose egress is HTTPS_PROXY
                "AZURE_AUTHORITY_HOST", "https://login.proxied-only.invalid/"));
        assertThat(env.noIdentityConfigured()).isFalse();
        // azure-identity, through the proxy, answers 1.5 s after the grace
        TokenCredential throughTheProxy =
                request -> Mono.delay(Duration.ofMillis(DiagnosingCredential.GRACE_AFTER_PROBE_MS + 1_500))
                        .map(i -> new AccessToken(
                                "token-through-the-proxy", OffsetDateTime.now().plusHours(1)));
        var credential = new DiagnosingCredential(throughTheProxy, env, true);
        assertThat(credential.getTokenSync(SCOPE).getToken()).isEqualTo("token-through-the-proxy");
    }
}
