package io.github.azuremi.jdbc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.process.ChildJvm;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged {@code -cli} jar, run as a user runs it: {@code java -jar managed-identity-datasource-<v>-cli.jar
 * check ...} in a new JVM with nothing else on its classpath (failsafe, verify phase). The child finds the
 * local managed-identity endpoint through IDENTITY_ENDPOINT/IDENTITY_HEADER, which failsafe sets and the
 * child inherits, as on App Service.
 */
class CheckCommandIT {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Path jar = Path.of(System.getProperty("cli.jar", "target/missing-cli.jar"));
    private TestDatabase db;
    private String role;

    @BeforeEach
    void prepare() {
        assertThat(jar).as("built by maven-shade-plugin in package").exists();
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_check_cli");
        endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
    }

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    @Test
    void theCliJarChecksAWorkingLoginAndExitsZeroWithNothingOnStderr() {
        ChildJvm.Result result = ChildJvm.jar(
                        jar,
                        "check",
                        "--url",
                        db.jdbcUrl(),
                        "--username",
                        role,
                        "--credential",
                        "managed-identity",
                        "--client-id",
                        UUID.randomUUID().toString())
                .run(Duration.ofSeconds(120));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout())
                .contains("OK, the audience of PostgreSQL")
                .contains("SELECT current_user returned \"" + role + "\"")
                .contains("RESULT: OK");
        assertThat(result.stderr()).as("no logging noise (SLF4J, Netty...)").isBlank();
        String token = endpoint.issuedTokens().get(0).accessToken();
        assertThat(result.stdout()).doesNotContain(token);
    }

    @Test
    void theCliJarExitsNonZeroAndExplainsWhenTheHostIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ChildJvm.Result result = ChildJvm.jar(
                        jar,
                        "check",
                        "--url",
                        "jdbc:postgresql://127.0.0.1:" + closedPort + "/test",
                        "--username",
                        role,
                        "--credential",
                        "managed-identity",
                        "--client-id",
                        UUID.randomUUID().toString(),
                        "--timeout",
                        "5")
                .run(Duration.ofSeconds(120));

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout()).contains("RESULT: FAILED at login - host unreachable");
    }

    @Test
    void theCliJarCarriesTheDriversAndCredentialsButNoOptionalIntegration() throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(Main.class.getName());
            List<String> names = Collections.list(file.entries()).stream()
                    .map(ZipEntry::getName)
                    .toList();
            assertThat(names)
                    .contains(
                            "org/postgresql/Driver.class",
                            "com/mysql/cj/jdbc/Driver.class",
                            "com/microsoft/sqlserver/jdbc/SQLServerDriver.class",
                            "com/azure/identity/ManagedIdentityCredential.class",
                            "com/zaxxer/hikari/HikariDataSource.class",
                            "com/github/benmanes/caffeine/cache/Caffeine.class");
            assertThat(names).noneMatch(n -> n.startsWith("io/micrometer/") || n.startsWith("org/springframework/"));
        }
        assertThat(Files.size(jar)).isLessThan(80L * 1024 * 1024);
    }
}
