package io.github.azuremi.jdbc.credential;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.process.ChildJvm;
import io.github.azuremi.jdbc.testsupport.IdentitySourceStandIn;
import io.github.azuremi.jdbc.testsupport.IdentitySourceStandIn.Imds;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code credential=managed-identity} logs in wherever azure-identity's {@code ManagedIdentityCredential} reaches an
 * identity, because azure-identity alone decides which protocol it speaks (issue 16: the library refused these
 * environments on its own, partial reading of three variables, without asking azure-identity). Each case is a fresh
 * JVM whose environment is the one the platform sets, with the real azure-identity against a local stand-in of the
 * identity source and PostgreSQL checking the token.
 */
class ManagedIdentityEnvironmentsTest {

    private static final String CLIENT_ID = "6b1f0c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
    private static final String TENANT_ID = "72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d";
    /** Every variable azure-identity reads to choose a source: the child starts with none of them. */
    private static final List<String> IDENTITY_VARIABLES = List.of(
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_AUTHORITY_HOST",
            "USE_AZURE_IDENTITY_CLIENT_LIBRARY_LEGACY_MI",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
            "IDENTITY_SERVER_THUMBPRINT",
            "MSI_ENDPOINT",
            "MSI_SECRET",
            "IMDS_ENDPOINT",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_USERNAME");

    /**
     * No IMDS in the child, as in a pod that cannot reach 169.254.169.254 or off Azure (this machine's sandbox answers
     * that address itself): the JDK sends every plain socket that is not to loopback to a SOCKS port nobody listens
     * on. azure-identity's HTTP client does not use SOCKS, and the stand-ins and the database are on loopback. With a
     * JVM-wide SOCKS proxy the library counts no host as loopback, so the child logs in with verified TLS: it trusts the
     * databases' test CA ({@link #trusting}).
     */
    private static final String NO_IMDS =
            "-DsocksProxyHost=127.0.0.1 -DsocksProxyPort=" + closedPort() + " -DsocksNonProxyHosts=127.0.0.1|localhost";

    private static TestDatabase db;
    private static String role;

    @BeforeAll
    static void database() {
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_environments");
    }

    @Test
    void aksWorkloadIdentityLogsIn() throws Exception {
        String token = newToken();
        try (IdentitySourceStandIn entra = IdentitySourceStandIn.entra(token, accepted(token), CLIENT_ID)) {
            Path federated = Files.createTempFile("mids-federated", ".jwt");
            Files.writeString(federated, "federated-service-account-token-" + UUID.randomUUID());
            String out = login(
                    "managed-identity",
                    "-",
                    Map.of(
                            "AZURE_FEDERATED_TOKEN_FILE",
                            federated.toString(),
                            "AZURE_CLIENT_ID",
                            CLIENT_ID,
                            "AZURE_TENANT_ID",
                            TENANT_ID,
                            "AZURE_AUTHORITY_HOST",
                            entra.url(),
                            "JAVA_TOOL_OPTIONS",
                            NO_IMDS + trusting(entra.trustStore().toString(), "changeit")));
            assertThat(out).contains("LOGIN OK user=" + role);
            assertThat(entra.requests())
                    .anyMatch(r -> r.startsWith("POST /" + TENANT_ID + "/oauth2/v2.0/token client_id=" + CLIENT_ID));
        }
    }

    @Test
    void podIdentityWithTheSystemAssignedIdentityLogsIn() throws Exception {
        podIdentity(Imds.STRINGS, null);
    }

    @Test
    void podIdentityWithAUserAssignedIdentityLogsIn() throws Exception {
        podIdentity(Imds.STRINGS, CLIENT_ID);
    }

    @Test
    void podIdentityAnsweringExpiresOnAsANumberLogsIn() throws Exception {
        podIdentity(Imds.EXPIRES_ON_NUMBER, null);
    }

    @Test
    void podIdentityAnsweringExpiresInOnlyGetsAzureIdentitysOwnVerdict() throws Exception {
        // MSAL4J 1.23 needs expires_on; without it azure-identity refuses the answer itself: that verdict is its own,
        // reported in its words after the environment, and the endpoint was asked
        try (IdentitySourceStandIn imds = IdentitySourceStandIn.imds(Imds.EXPIRES_IN_ONLY, newToken(), EXPIRY, null)) {
            String out = login("managed-identity", "-", Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()));
            assertThat(out)
                    .contains(
                            "LOGIN FAILED",
                            "AAD Pod Identity",
                            "Response is either null or insufficient for authentication")
                    .doesNotContain("No managed identity is reachable");
            assertThat(imds.requests())
                    .anyMatch(r -> r.startsWith("GET //metadata/identity/oauth2/token client_id=null"));
        }
    }

    @Test
    void podIdentityWithNoIdentityAssignedFailsWithAzureIdentitysOwnError() throws Exception {
        try (IdentitySourceStandIn imds = IdentitySourceStandIn.imds(Imds.NO_IDENTITY, newToken(), EXPIRY, null)) {
            String out = login("managed-identity", "-", Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()));
            assertThat(out)
                    .contains("LOGIN FAILED")
                    .contains("AAD Pod Identity") // the environment as read, first
                    .containsIgnoringCase("identity") // then azure-identity's own words
                    .doesNotContain("No managed identity is reachable");
            assertThat(imds.requests()).as("azure-identity was asked").isNotEmpty();
        }
    }

    @Test
    void aConfiguredEndpointThatRefusesConnectionsIsLeftToAzureIdentity_andTheProbeIsLogged() {
        // a pod identity (or App Service) endpoint that refuses now may start later or be reached through a proxy: the
        // library does not cut azure-identity short there; it says what the probe found, and the fetch timeout ends it
        int closed = closedPort();
        String out = login(
                "managed-identity", "-", Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:" + closed));
        assertThat(out)
                .contains(
                        "LOGIN FAILED",
                        "127.0.0.1:" + closed + " did not accept a connection",
                        "azure-identity is still trying",
                        "AZURE_POD_IDENTITY_AUTHORITY_HOST is set")
                .doesNotContain("No managed identity is reachable");
    }

    @Test
    void aHostWithoutAnyIdentityFailsFastWithItsName() {
        // azure-identity's own HTTP request may get an answer or not (this sandbox answers 169.254.169.254 itself):
        // either way the failure is quick and names the environment and what the probe found
        String out = login("managed-identity", "-", Map.of());
        assertThat(out)
                .contains(
                        "LOGIN FAILED",
                        "none of the variables azure-identity reads",
                        "169.254.169.254:80 did not accept a connection");
        long ms = Long.parseLong(out.replaceAll("(?s).*LOGIN FAILED after (\\d+) ms.*", "$1"));
        assertThat(ms).as(out).isLessThan(10_000);
    }

    private void podIdentity(Imds mode, String clientId) throws Exception {
        String token = newToken();
        try (IdentitySourceStandIn imds = IdentitySourceStandIn.imds(mode, token, accepted(token), clientId)) {
            String out = login(
                    "managed-identity",
                    clientId == null ? "-" : clientId,
                    Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds.url()));
            assertThat(out).as("requests: %s", imds.requests()).contains("LOGIN OK user=" + role);
            assertThat(imds.requests())
                    .anyMatch(r -> r.startsWith("GET //metadata/identity/oauth2/token client_id=" + clientId));
        }
    }

    private static String trusting(String trustStore, String password) {
        return " -Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword=" + password
                + " -Djavax.net.ssl.trustStoreType=PKCS12";
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newToken() {
        return "mi-environment-token-" + UUID.randomUUID();
    }

    private static final Instant EXPIRY =
            Instant.now().plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

    /** The expiry of every token here; the database accepts {@code token} until then. */
    private static Instant accepted(String token) {
        db.acceptToken(role, token, EXPIRY);
        return EXPIRY;
    }

    /** Runs {@link ManagedIdentityLoginMain} in a fresh JVM with {@code environment} as the identity variables. */
    private static String login(String credential, String clientId, Map<String, String> environment) {
        ChildJvm child = ChildJvm.mainClass(
                ChildJvm.testClasspath(e -> false),
                ManagedIdentityLoginMain.class.getName(),
                db.jdbcUrl(),
                role,
                credential,
                clientId);
        IDENTITY_VARIABLES.forEach(child.environment()::remove);
        child.environment()
                .put("JAVA_TOOL_OPTIONS", NO_IMDS + trusting(TestTls.trustStore(), TestTls.trustStorePassword()));
        child.environment().putAll(environment);
        ChildJvm.Result result = child.run(Duration.ofSeconds(90));
        return result.toString();
    }
}
