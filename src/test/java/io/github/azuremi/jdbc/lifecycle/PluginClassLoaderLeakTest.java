package io.github.azuremi.jdbc.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin;
import io.github.azuremi.jdbc.process.ChildJvm;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, row 3: an application that uses only the pgjdbc plugin, with azure-identity's real managed-identity
 * credential (and so its JDK HTTP client, whose SelectorManager thread inherits the context class loader of the
 * thread that built it) against the local endpoint, releases everything when it stops: no thread of the library or
 * of the HTTP client is left and its class loader is collected. Before the fix the plugins' settings-to-key memo
 * kept the credential after a release, and with it the client, its thread and the loader. In a fresh JVM, against
 * the real PostgreSQL checking the token.
 */
class PluginClassLoaderLeakTest {

    @Test
    void anApplicationUsingOnlyThePluginLeavesNoThreadAndItsClassLoaderIsCollectedAfterItsRelease() {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_plugin_leak");
        String clientId = UUID.randomUUID().toString();
        LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
        endpoint.onIssue(token -> {
            if (clientId.equals(token.clientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        String url = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + "authenticationPluginClassName="
                + PostgresAuthenticationPlugin.class.getName() + "&credential=managed-identity&managedIdentityClientId="
                + clientId + "&user=" + role;

        // as in ClassLoaderLeakTest: no other driver and no logging backend in the application
        List<String> classpath = ChildJvm.testClasspath(entry ->
                entry.contains("mysql-connector") || entry.contains("mssql-jdbc") || entry.contains("logback"));
        ChildJvm child = ChildJvm.mainClass(classpath, ClassLoaderLeakMain.class.getName(), url);
        child.environment().put("LEAK_SCENARIO", PluginLeakScenario.class.getName());
        ChildJvm.Result result = child.run(Duration.ofSeconds(90));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).as(result.toString()).contains("CURRENT_USER=" + role);
        String threadLine = result.stdout()
                .lines()
                .filter(l -> l.startsWith("THREADS="))
                .findFirst()
                .orElseThrow();
        List<String> threads =
                Arrays.asList(threadLine.substring("THREADS=".length()).split("\\|"));
        System.out.println("[leak] threads left after the plugin's release: " + threads);
        assertThat(threads)
                .as("threads left after the application's release")
                .noneMatch(name -> name.startsWith("managed-identity-"))
                .noneMatch(name -> name.startsWith("HttpClient-"))
                .noneMatch(name -> name.startsWith("azure-sdk-global-thread"));
        assertThat(result.stdout())
                .as("the application's class loader was collected\n" + result)
                .contains("COLLECTED=true");
    }
}
