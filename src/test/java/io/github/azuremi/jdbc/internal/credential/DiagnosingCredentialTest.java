package io.github.azuremi.jdbc.internal.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.CredentialUnavailableException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * What a managed-identity failure says, and that the environment as read here never stops azure-identity: it is
 * asked first, always, and its answer wins. The real ManagedIdentityCredential where it matters; fakes for timing.
 * The environments themselves, end to end with azure-identity against local stand-ins, are in
 * {@code ManagedIdentityEnvironmentsTest}.
 */
class DiagnosingCredentialTest {

    private static final TokenRequestContext SCOPE =
            new TokenRequestContext().addScopes("https://ossrdbms-aad.database.windows.net/.default");

    @Test
    void readsTheSourceInAzureIdentitysOrder() {
        assertThat(ManagedIdentityEnvironment.detect(Map.of()).summary())
                .contains(
                        "none of the variables azure-identity reads",
                        "AZURE_FEDERATED_TOKEN_FILE",
                        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                        "IMDS",
                        "169.254.169.254:80");
        assertThat(ManagedIdentityEnvironment.detect(Map.of()).noIdentityConfigured())
                .isTrue();
        assertThat(ManagedIdentityEnvironment.detect(Map.of(
                                "IDENTITY_ENDPOINT",
                                "http://127.0.0.1:41234/msi/token",
                                "IDENTITY_HEADER",
                                "secret-value"))
                        .summary())
                .contains("IDENTITY_ENDPOINT, IDENTITY_HEADER are set", "App Service", "127.0.0.1:41234")
                .doesNotContain("secret-value");
        assertThat(ManagedIdentityEnvironment.detect(Map.of("MSI_ENDPOINT", "http://localhost:50342/oauth2/token"))
                        .summary())
                .contains("MSI_ENDPOINT is set", "Cloud Shell");
        assertThat(ManagedIdentityEnvironment.detect(Map.of(
                                "IDENTITY_ENDPOINT",
                                "http://localhost:40342/metadata/identity/oauth2/token",
                                "IMDS_ENDPOINT",
                                "http://localhost:40342"))
                        .summary())
                .contains("Azure Arc");
        // MSAL4J checks IDENTITY_ENDPOINT + IDENTITY_HEADER before IMDS_ENDPOINT
        assertThat(ManagedIdentityEnvironment.detect(Map.of(
                                "IDENTITY_ENDPOINT",
                                "http://127.0.0.1:1/msi/token",
                                "IDENTITY_HEADER",
                                "h",
                                "IMDS_ENDPOINT",
                                "http://127.0.0.1:2"))
                        .summary())
                .contains("App Service");
        assertThat(ManagedIdentityEnvironment.detect(Map.of(
                                "IDENTITY_ENDPOINT",
                                "https://127.0.0.1:2377/x",
                                "IDENTITY_HEADER",
                                "h",
                                "IDENTITY_SERVER_THUMBPRINT",
                                "ab"))
                        .summary())
                .contains("Service Fabric");
    }

    @Test
    void readsWorkloadIdentityAndPodIdentityAsAzureIdentityDoes() {
        ManagedIdentityEnvironment workload = ManagedIdentityEnvironment.detect(Map.of(
                "AZURE_FEDERATED_TOKEN_FILE",
                "/var/run/secrets/azure/tokens/azure-identity-token",
                "AZURE_TENANT_ID",
                "72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d",
                "AZURE_CLIENT_ID",
                "5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c",
                "AZURE_AUTHORITY_HOST",
                "https://login.example.test:8443/"));
        assertThat(workload.summary())
                .contains("AKS workload identity", "login.example.test:8443")
                .doesNotContain("169.254.169.254");
        assertThat(workload.noIdentityConfigured()).isFalse();
        // workload identity wins over every endpoint variable, as in azure-identity
        assertThat(ManagedIdentityEnvironment.detect(Map.of(
                                "AZURE_FEDERATED_TOKEN_FILE",
                                "/t",
                                "AZURE_TENANT_ID",
                                "t",
                                "IDENTITY_ENDPOINT",
                                "http://127.0.0.1:1/msi/token",
                                "IDENTITY_HEADER",
                                "h"))
                        .summary())
                .contains("AKS workload identity", "login.microsoftonline.com:443");

        ManagedIdentityEnvironment pod =
                ManagedIdentityEnvironment.detect(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://10.0.0.7:2579"));
        assertThat(pod.summary()).contains("AAD Pod Identity", "10.0.0.7:2579");
        assertThat(pod.host()).isEqualTo("10.0.0.7");
        assertThat(pod.port()).isEqualTo(2579);
    }

    @Test
    void azureCoreReadsASystemPropertyBeforeTheEnvironmentVariable() {
        Map<String, String> properties = Map.of("AZURE_TENANT_ID", "t", "AZURE_FEDERATED_TOKEN_FILE", "/t");
        ManagedIdentityEnvironment env = ManagedIdentityEnvironment.detect(properties::get, name -> null);
        assertThat(env.summary()).contains("AKS workload identity");
    }

    @Test
    void onAHostWithoutIdentityAnImdsThatAcceptsNoConnectionFailsInSecondsWithTheNetworkError() throws Exception {
        int closedPort = closedPort();
        var env = noIdentityWithImdsAt(closedPort);
        // azure-identity retrying a refusing endpoint (about 26 s) is a credential that has not answered yet; the real
        // credential in a real environment: ManagedIdentityEnvironmentsTest (this JVM's environment is surefire's)
        TokenCredential retrying = request -> Mono.never();
        var credential = new DiagnosingCredential(retrying, env, true);
        long start = System.nanoTime();
        assertThatThrownBy(() -> credential.getTokenSync(SCOPE))
                .isInstanceOf(CredentialUnavailableException.class)
                .hasMessageContaining("No managed identity is reachable from this host")
                .hasMessageContaining("none of the variables azure-identity reads")
                .hasMessageContaining("127.0.0.1:" + closedPort + " did not accept a connection")
                .hasMessageContaining("Connection refused")
                .hasMessageContaining("azure-identity, asked at the same time, had not answered");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void azureIdentityIsAskedEvenWhenTheEndpointItReadsRefusesConnections() throws Exception {
        // the regression of issue 16: a reading of the environment that differs from azure-identity's refused
        // identities azure-identity reaches (workload identity, pod identity); now its answer wins
        var env = ManagedIdentityEnvironment.detect(
                Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:" + closedPort() + "/msi/token", "IDENTITY_HEADER", "h"));
        AtomicInteger asked = new AtomicInteger();
        TokenCredential reachesItsIdentity = request -> Mono.fromCallable(() -> {
            asked.incrementAndGet();
            return new AccessToken(
                    "token-from-azure-identity", OffsetDateTime.now().plusHours(1));
        });
        var credential = new DiagnosingCredential(reachesItsIdentity, env, true);
        assertThat(credential.getTokenSync(SCOPE).getToken()).isEqualTo("token-from-azure-identity");
        assertThat(asked).hasValue(1);
    }

    @Test
    void aSlowAnswerWithinTheGraceWinsOverAFailedProbe() throws Exception {
        var env = noIdentityWithImdsAt(closedPort());
        TokenCredential slow = request -> Mono.delay(Duration.ofMillis(DiagnosingCredential.GRACE_AFTER_PROBE_MS / 2))
                .map(i -> new AccessToken("slow-token", OffsetDateTime.now().plusHours(1)));
        assertThat(new DiagnosingCredential(slow, env, true).getTokenSync(SCOPE).getToken())
                .isEqualTo("slow-token");
    }

    @Test
    void afterAzureIdentityAnsweredOnceAFailedProbeNeverCutsARequestShort() throws Exception {
        var env = noIdentityWithImdsAt(closedPort());
        AtomicInteger calls = new AtomicInteger();
        // first answer instantly; the second only after the grace has passed
        TokenCredential laterSlow = request -> calls.incrementAndGet() == 1
                ? Mono.just(new AccessToken("first", OffsetDateTime.now().plusHours(1)))
                : Mono.delay(Duration.ofMillis(DiagnosingCredential.GRACE_AFTER_PROBE_MS + 1_000))
                        .map(i -> new AccessToken("second", OffsetDateTime.now().plusHours(1)));
        var credential = new DiagnosingCredential(laterSlow, env, true);
        assertThat(credential.getTokenSync(SCOPE).getToken()).isEqualTo("first");
        assertThat(credential.getTokenSync(SCOPE).getToken()).isEqualTo("second");
    }

    @Test
    void whereAnIdentitySourceIsConfiguredAFailedProbeNeverEndsTheWait() throws Exception {
        // App Service's endpoint refusing now may be a sidecar starting, or reachable only through a proxy
        var env = ManagedIdentityEnvironment.detect(
                Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:" + closedPort() + "/msi/token", "IDENTITY_HEADER", "h"));
        assertThat(env.noIdentityConfigured()).isFalse();
        TokenCredential late = request -> Mono.delay(
                        Duration.ofMillis(DiagnosingCredential.GRACE_AFTER_PROBE_MS + 1_500))
                .map(i -> new AccessToken("late-token", OffsetDateTime.now().plusHours(1)));
        assertThat(new DiagnosingCredential(late, env, true).getTokenSync(SCOPE).getToken())
                .isEqualTo("late-token");
        // AZURE_CLIENT_ID names which identity, not where to ask: still a host whose only source is IMDS
        assertThat(ManagedIdentityEnvironment.detect(Map.of("AZURE_CLIENT_ID", "5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c"))
                        .noIdentityConfigured())
                .isTrue();
    }

    @Test
    void theCredentialsOwnFailureKeepsItsClassAndGetsTheEnvironmentFirst() {
        var env = ManagedIdentityEnvironment.detect(Map.of());
        var credential = new DiagnosingCredential(
                request -> {
                    throw new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable.");
                },
                env,
                false);
        assertThatThrownBy(() -> credential.getTokenSync(SCOPE))
                .isInstanceOf(CredentialUnavailableException.class)
                .hasMessageStartingWith("[managed-identity environment: none of the variables azure-identity reads")
                .hasMessageEndingWith("ManagedIdentityCredential authentication unavailable.");
    }

    @Test
    void aFailureOfAzureIdentityWhileItsEndpointRefusedConnectionsNamesBoth() throws Exception {
        int closedPort = closedPort();
        Map<String, String> vars =
                new HashMap<>(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:" + closedPort));
        var env = ManagedIdentityEnvironment.detect(vars);
        TokenCredential failing = request -> Mono.error(new CredentialUnavailableException("its own words"));
        assertThatThrownBy(() -> new DiagnosingCredential(failing, env, true).getTokenSync(SCOPE))
                .isInstanceOf(CredentialUnavailableException.class)
                .hasMessageContaining("AAD Pod Identity")
                .hasMessageContaining("127.0.0.1:" + closedPort + " did not accept a connection")
                .hasMessageEndingWith("its own words");
    }

    /** A host where nothing names an identity source and "IMDS" (a closed local port here) refuses connections. */
    private static ManagedIdentityEnvironment noIdentityWithImdsAt(int port) {
        return new ManagedIdentityEnvironment(
                "managed-identity environment: none of the variables azure-identity reads "
                        + "is set, so azure-identity uses IMDS, endpoint 127.0.0.1:" + port,
                "127.0.0.1",
                port,
                true);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
