package io.github.azuremi.jdbc.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.process.ChildJvm;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is optional: in a JVM whose classpath is the test classpath without Micrometer (and its
 * HdrHistogram/LatencyUtils), the library logs in to the real PostgreSQL through the real credential and
 * the local endpoint, and logs nothing at WARN.
 */
class WithoutMicrometerTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    @Test
    void theLibraryWorksAndWarnsAboutNothingWithoutMicrometerOnTheClasspath() {
        endpoint.reset();
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_nomicrometer");
        endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));

        List<String> classpath = ChildJvm.testClasspath(entry ->
                entry.contains("micrometer") || entry.contains("HdrHistogram") || entry.contains("LatencyUtils"));
        assertThat(ChildJvm.testClasspath(e -> false)).anyMatch(e -> e.contains("micrometer-core"));
        assertThat(classpath).noneMatch(e -> e.contains("micrometer"));

        ChildJvm.Result result = ChildJvm.mainClass(
                        classpath,
                        WithoutMicrometerMain.class.getName(),
                        db.jdbcUrl(),
                        role,
                        UUID.randomUUID().toString())
                .run(Duration.ofSeconds(90));

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout())
                .contains("MICROMETER_ABSENT", "CURRENT_USER=" + role, "WARNINGS=0")
                .contains(
                        "SET_METER_REGISTRY_REFUSED: meterRegistry must be an io.micrometer.core.instrument.MeterRegistry");
        assertThat(result.stdout() + result.stderr()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
        assertThat(endpoint.issuedCount()).isEqualTo(1);
    }
}
