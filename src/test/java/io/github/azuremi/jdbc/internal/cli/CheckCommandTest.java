package io.github.azuremi.jdbc.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.cli.Main;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code check} command, run in this JVM with its output captured: the real credential against the local
 * managed-identity endpoint, and the real PostgreSQL and MariaDB. (CheckCommandIT runs the built -cli jar.)
 */
class CheckCommandTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private TestDatabase postgres;
    private String role;

    @BeforeEach
    void prepare() {
        endpoint.reset();
        postgres = TestDatabases.postgres();
        role = postgres.createTokenRole("mi_check");
        endpoint.onIssue(token -> postgres.acceptToken(role, token.accessToken(), token.expiresOn()));
    }

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    private record Run(int status, String output) {}

    private Run check(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("check"));
        all.addAll(List.of(args));
        int status;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            status = Main.run(all.toArray(String[]::new), out);
        }
        String output = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(output); // the sample output of docs/diagnosing-failures.md comes from here
        for (IssuedToken token : endpoint.issuedTokens()) {
            assertThat(output).as("never the token").doesNotContain(token.accessToken());
        }
        assertThat(output).doesNotContain("eyJ");
        return new Run(status, output);
    }

    @Test
    void aWorkingLoginShowsTheCredentialTheClaimsTheUserAndExitsZero() {
        String clientId = UUID.randomUUID().toString();

        Run run = check(
                "--url",
                postgres.jdbcUrl(),
                "--username",
                role,
                "--credential",
                "managed-identity",
                "--client-id",
                clientId);

        assertThat(run.status()).as(run.output()).isZero();
        IssuedToken issued = endpoint.issuedTokens().get(0);
        assertThat(run.output())
                .contains("Checking PostgreSQL at 127.0.0.1")
                .contains("scope       https://ossrdbms-aad.database.windows.net/.default  (derived from the URL)")
                .contains("ManagedIdentityCredential (credential=managed-identity, managedIdentityClientId=" + clientId
                        + ")")
                .containsPattern("result {6}OK in \\d+ ms, from ManagedIdentityCredential")
                .contains("audience    https://ossrdbms-aad.database.windows.net  OK, the audience of PostgreSQL")
                .contains("tenant      " + issued.tenantId())
                .contains("object id   " + issued.objectId())
                .contains("app id      " + clientId)
                .contains("identity    managed identity /subscriptions/")
                .contains("username    " + role + "  (rule: given with --username)")
                .contains("the token suggests \"mids-" + clientId.substring(0, 8) + "\"")
                .contains("SELECT current_user returned \"" + role + "\"")
                .contains("RESULT: OK");
    }

    @Test
    void withDefaultAzureCredentialItSaysWhichLinkOfTheChainAnswered() {
        Run run = check(
                "--url",
                postgres.jdbcUrl(),
                "--username",
                role,
                "--client-id",
                UUID.randomUUID().toString());

        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output()).contains("DefaultAzureCredential -> ManagedIdentityCredential");
    }

    @Test
    void aClosedPortIsReportedAsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run run = check(
                "--url",
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/test",
                "--username",
                role,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString(),
                "--timeout",
                "5");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains("RESULT: FAILED at login - host unreachable (firewall, host name or port)")
                .contains("Networking");
    }

    @Test
    void aRoleThatNoTokenIsMappedToIsReportedAsMissingDatabaseRole() {
        String unmapped = postgres.createTokenRole("mi_check_unmapped"); // the endpoint's tokens are not its password

        Run run = check(
                "--url",
                postgres.jdbcUrl(),
                "--username",
                unmapped,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString(),
                "--timeout",
                "10");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains("RESULT: FAILED at login - the identity has no database role")
                .contains("\"" + unmapped + "\"")
                .contains("pgaadauth_create_principal");
    }

    @Test
    void aScopeOfAnotherServiceIsReportedAsWrongAudienceBeforeAnyLogin() {
        Run run = check(
                "--url",
                postgres.jdbcUrl(),
                "--username",
                role,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString(),
                "--scope",
                "https://database.windows.net/.default");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains(
                        "audience    https://database.windows.net  WRONG: PostgreSQL expects https://ossrdbms-aad.database.windows.net")
                .contains("RESULT: FAILED at claims - wrong audience / scope")
                .doesNotContain("4. Login");
    }

    @Test
    void anIdentityTheHostDoesNotHaveIsReportedAsNoIdentity() {
        endpoint.setFault(Fault.HTTP_400); // what App Service answers for a client id that is not attached

        Run run = check(
                "--url",
                postgres.jdbcUrl(),
                "--username",
                role,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains("RESULT: FAILED at token - no identity on this host")
                .contains("Identity")
                .contains("Unable to load the requested managed identity");
    }

    @Test
    void tlsTurnedOffTowardsARemoteServerIsRefusedBeforeAnyConnection() {
        Run run = check(
                "--url",
                "jdbc:postgresql://myserver.postgres.database.azure.com:5432/app?sslmode=disable",
                "--username",
                role,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains("RESULT: FAILED at login - TLS required")
                .contains("sslmode=verify-full");
    }

    @Test
    void mysqlWithTheClearTextPluginOverAConnectionWithoutTlsIsExplained() {
        TestDatabase mysql = TestDatabases.mysql(); // the test URL says sslMode=DISABLED
        String user = mysql.createTokenRole("mi_check");
        endpoint.onIssue(token -> mysql.acceptToken(user, token.accessToken(), token.expiresOn()));

        Run run = check(
                "--url",
                mysql.jdbcUrl() + "&defaultAuthenticationPlugin=mysql_clear_password",
                "--username",
                user,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString(),
                "--timeout",
                "10");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output()).contains("RESULT: FAILED at login - clear-text plugin not allowed");
    }

    @Test
    void mysqlWithTlsExplicitlyOffTowardsLoopbackDoesNotForceTheClearTextPlugin() {
        TestDatabase mysql = TestDatabases.mysql(); // the test URL says sslMode=DISABLED
        String user = mysql.createTokenRole("mi_check");
        endpoint.onIssue(token -> mysql.acceptToken(user, token.accessToken(), token.expiresOn()));

        Run run = check(
                "--url",
                mysql.jdbcUrl(),
                "--username",
                user,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString(),
                "--timeout",
                "10");

        assertThat(run.status()).as(run.output()).isZero();
    }

    @Test
    void mysqlLogsInWhenTheUrlAllowsWhatTheLocalServerNeeds() {
        TestDatabase mysql = TestDatabases.mysql();
        String user = mysql.createTokenRole("mi_check");
        endpoint.onIssue(token -> mysql.acceptToken(user, token.accessToken(), token.expiresOn()));

        Run run = check(
                "--url",
                mysql.jdbcUrl() + "&defaultAuthenticationPlugin=mysql_native_password",
                "--username",
                user,
                "--credential",
                "managed-identity",
                "--client-id",
                UUID.randomUUID().toString());

        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output())
                .contains("Checking MySQL at 127.0.0.1")
                .contains("SELECT CURRENT_USER() returned \"" + user + "@");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(check("--username", "x").status()).isEqualTo(2);
        assertThat(check("--url", "jdbc:oracle:thin:@//h:1521/x").status()).isEqualTo(2);
        assertThat(check("--url", postgres.jdbcUrl(), "--client-id", "not-a-guid")
                        .status())
                .isEqualTo(2);
        assertThat(check("--help").status()).isZero();
    }
}
