package io.github.azuremi.jdbc.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.process.ChildJvm;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * After the last pool closes, the library leaves no thread behind (neither its own nor one the JDK starts
 * on its behalf, such as {@code CompletableFutureDelayScheduler}) and does not pin the class loader that
 * loaded it: a web application that undeploys can be collected. Checked in a fresh JVM, with the library
 * in its own class loader, against the real PostgreSQL with the token checked by the server.
 */
class ClassLoaderLeakTest {

    @Test
    void afterTheLastPoolClosesNoThreadIsLeftAndTheApplicationsClassLoaderIsCollected() {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_leak");
        String token = "leak-token-" + UUID.randomUUID();
        OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(10);
        db.acceptToken(role, token, expiresAt.toInstant());

        // A PostgreSQL application: the other drivers are not in it (Connector/J would start its own cleanup
        // thread in the application's loader, a leak of Connector/J's that Tomcat handles separately), and no
        // logging backend (logback in an application's loader pins it until its LoggerContext is stopped, which
        // logback's own servlet listener does at undeploy; measured here: collected without it, not with it).
        List<String> classpath = ChildJvm.testClasspath(entry ->
                entry.contains("mysql-connector") || entry.contains("mssql-jdbc") || entry.contains("logback"));
        ChildJvm.Result result = ChildJvm.mainClass(
                        classpath, ClassLoaderLeakMain.class.getName(), db.jdbcUrl(), role, token, expiresAt.toString())
                .run(Duration.ofSeconds(90));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).as(result.toString()).contains("CURRENT_USER=" + role);
        String threadLine = result.stdout()
                .lines()
                .filter(l -> l.startsWith("THREADS="))
                .findFirst()
                .orElseThrow();
        List<String> threads =
                Arrays.asList(threadLine.substring("THREADS=".length()).split("\\|"));
        System.out.println("[leak] threads left: " + threads);
        assertThat(threads)
                .as("threads left after the last pool closed")
                .noneMatch(name -> name.startsWith("managed-identity-"))
                .noneMatch(name -> name.contains("CompletableFutureDelayScheduler"))
                .noneMatch(name -> name.startsWith("HikariPool") || name.startsWith("leak-scenario"));
        assertThat(result.stdout())
                .as("the application's class loader was collected\n" + result)
                .contains("COLLECTED=true");
    }
}
