package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;

/**
 * The health indicator on Boot 3's actuator (this test classpath); the consumers/ projects see it UP over HTTP
 * on Boot 3.5, 4.0 and 4.1.
 */
class ManagedIdentityTokenHealthTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ManagedIdentityDataSourceAutoConfiguration.class,
                    ManagedIdentityTokenHealthAutoConfiguration.class))
            .withClassLoader(new FilteredClassLoader("org.springframework.boot.health")); // as on Boot 3

    @Test
    void downWithTheReasonWhenNoTokenCanBeHad() {
        TokenCredential failing = request -> Mono.error(new IllegalStateException("no identity on this host (test)"));
        runner.withBean("dataSource", DataSource.class, () -> {
                    var ds = new ManagedIdentityDataSource();
                    ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
                    ds.setUsername("consumer_nobody");
                    ds.setTokenCredential(failing);
                    ds.setInitializationFailTimeout(-1);
                    ds.setConnectionTimeout(500);
                    ds.setTokenRetryBackoff(60_000);
                    return ds;
                })
                .run(context -> {
                    assertThat(context).hasSingleBean(Boot3TokenHealthIndicator.class);
                    Boot3TokenHealthIndicator indicator = context.getBean(Boot3TokenHealthIndicator.class);
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.UNKNOWN); // not started
                    ManagedIdentityDataSource ds = context.getBean(ManagedIdentityDataSource.class);
                    assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class);
                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(String.valueOf(health.getDetails().get("reason")))
                            .contains("no identity on this host (test)");
                    assertThat(health.getDetails()).containsEntry("status", "no usable token");
                });
    }

    @Test
    void absentWithoutOurDataSource() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Boot3TokenHealthIndicator.class));
    }
}
