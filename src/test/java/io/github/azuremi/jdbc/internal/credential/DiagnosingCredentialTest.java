package io.github.azuremi.jdbc.internal.credential;

import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.CredentialUnavailableException;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Failures that name the environment and the network error, fast; with the real ManagedIdentityCredential. */
class DiagnosingCredentialTest {

  private static final TokenRequestContext SCOPE =
      new TokenRequestContext().addScopes("https://ossrdbms-aad.database.windows.net/.default");

  @Test
  void detectsEachProtocolFromTheVariablesAzureIdentityReads() {
    assertThat(ManagedIdentityEnvironment.detect(Map.of()).summary())
        .contains("none of IDENTITY_ENDPOINT, MSI_ENDPOINT, IMDS_ENDPOINT is set", "IMDS", "169.254.169.254:80");
    assertThat(ManagedIdentityEnvironment.detect(Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:41234/msi/token",
        "IDENTITY_HEADER", "secret-value")).summary())
        .contains("IDENTITY_ENDPOINT, IDENTITY_HEADER are set", "App Service", "127.0.0.1:41234")
        .doesNotContain("secret-value");
    assertThat(ManagedIdentityEnvironment.detect(Map.of("MSI_ENDPOINT", "http://localhost:50342/oauth2/token")).summary())
        .contains("MSI_ENDPOINT is set", "Cloud Shell");
    assertThat(ManagedIdentityEnvironment.detect(Map.of("IDENTITY_ENDPOINT", "http://localhost:40342/metadata/identity/oauth2/token",
        "IMDS_ENDPOINT", "http://localhost:40342")).summary()).contains("Azure Arc");
  }

  @Test
  void anEndpointThatAcceptsNoConnectionFailsInSecondsWithTheNetworkError() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var env = ManagedIdentityEnvironment.detect(Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:" + closedPort + "/msi/token",
        "IDENTITY_HEADER", "h"));
    var credential = new DiagnosingCredential(new ManagedIdentityCredentialBuilder().build(), env, true);
    long start = System.nanoTime();
    assertThatThrownBy(() -> credential.getTokenSync(SCOPE))
        .isInstanceOf(CredentialUnavailableException.class)
        .hasMessageContaining("IDENTITY_ENDPOINT, IDENTITY_HEADER are set")
        .hasMessageContaining("App Service")
        .hasMessageContaining("127.0.0.1:" + closedPort + " did not accept a connection")
        .hasMessageContaining("Connection refused");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
  }

  @Test
  void theCredentialsOwnFailureKeepsItsClassAndGetsTheEnvironmentFirst() {
    var env = ManagedIdentityEnvironment.detect(Map.of());
    var credential = new DiagnosingCredential(request -> {
      throw new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable.");
    }, env, false);
    assertThatThrownBy(() -> credential.getTokenSync(SCOPE))
        .isInstanceOf(CredentialUnavailableException.class)
        .hasMessageStartingWith("[managed-identity environment: none of IDENTITY_ENDPOINT")
        .hasMessageEndingWith("ManagedIdentityCredential authentication unavailable.");
  }
}
