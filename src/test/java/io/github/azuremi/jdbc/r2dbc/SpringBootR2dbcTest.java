package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.internal.r2dbc.TokenLoginConnectionFactory;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot with {@code spring.r2dbc.url} only (Boot 3's actuator on this classpath; the consumers/ projects run Boot
 * 4): Boot's R2DBC auto-configuration builds the factory through R2DBC's discovery, and ours adds the token's health,
 * its metrics and its release. The local PostgreSQL checks the token; BlockHound watches every Reactor thread.
 */
class SpringBootR2dbcTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NO_CONFIG_FILES = "optional:classpath:/no-config-files/";
    private static final String HEALTH = "managedIdentityR2dbcTokenHealthIndicator";
    /** Package-private (not public API): named as in META-INF/spring/...AutoConfiguration.imports. */
    private static final Class<?> OURS = ourAutoConfiguration();

    @RegisterExtension
    final R2dbcDatabase pg = R2dbcDatabase.postgres();

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(R2dbcAutoConfiguration.class, OURS))
            .withClassLoader(new FilteredClassLoader("org.springframework.boot.health")); // as on Boot 3

    private static Class<?> ourAutoConfiguration() {
        try {
            return Class.forName("io.github.azuremi.jdbc.spring.ManagedIdentityR2dbcAutoConfiguration");
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void keepThisJvmsLogging() {
        // Boot would reconfigure logback for the whole test JVM.
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
    }

    @AfterAll
    static void restoreLogging() {
        System.clearProperty(LoggingSystem.SYSTEM_PROPERTY);
    }

    @AfterEach
    void closeContexts() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void springR2dbcUrlAloneLogsInWithTheTokenAndReportsItsHealthAndMetrics() {
        String clientId = pg.newIdentity();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "spring.config.location=" + NO_CONFIG_FILES,
                        // docs/r2dbc.md's form: the identity in spring.r2dbc.properties, which Boot hands over as
                        // options
                        "spring.r2dbc.url="
                                + pg.verifiedUrl("pool:azuremi:", clientId)
                                        .replace("&managedIdentityClientId=" + clientId, "")
                                + "&maxSize=2",
                        "spring.r2dbc.properties.managedIdentityClientId=" + clientId)
                .run();
        contexts.add(context);
        ConnectionFactory factory = context.getBean(ConnectionFactory.class);
        TokenLoginConnectionFactory ours = TokenLoginConnectionFactory.find(factory);
        assertThat(ours).as("ours, under Boot's pool").isNotNull();
        HealthIndicator health = context.getBean(HEALTH, HealthIndicator.class);
        assertThat(health.health().getStatus())
                .as("no connection asked for yet")
                .isEqualTo(Status.UNKNOWN);

        assertThat(R2dbcDatabase.row(factory, "SELECT current_user").block(WAIT))
                .containsExactly(pg.role);

        String token = pg.endpoint.issuedTokens().get(0).accessToken();
        Health up = health.health();
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(up.getDetails()).containsEntry("pool", "connectionFactory").containsEntry("status", "token held");
        assertThat(String.valueOf(up.getDetails().get("identity"))).contains(clientId);
        assertThat(up.toString()).doesNotContain(token);

        MeterRegistry registry = context.getBean(MeterRegistry.class);
        assertThat(registry.get(MicrometerTokenMetrics.FETCHES)
                        .tag("identity", clientId)
                        .tag("pool", "connectionFactory")
                        .tag("outcome", "success")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get(MicrometerTokenMetrics.EXPIRES_IN)
                        .tag("identity", clientId)
                        .gauge()
                        .value())
                .isPositive();
        assertThat(registry.getMeters())
                .flatMap(m -> m.getId().getTags())
                .extracting(Tag::getValue)
                .noneMatch(v -> v.contains(token));
        assertThat(pg.endpoint.requestCount()).isEqualTo(1);

        context.close();
        assertThat(registry.find(MicrometerTokenMetrics.PREFIX + ".fetches").meters())
                .as("the metrics leave with the context")
                .isEmpty();
        assertThatThrownBy(() -> ours.create().block(WAIT))
                .as("the token released with the context")
                .hasMessageContaining("closed");
    }

    @Test
    void downWithTheReasonWhenTheEndpointFailsAndNoTokenTextAnywhere() {
        String clientId = pg.newIdentity();
        pg.endpoint.setFault(Fault.HTTP_400);
        runner.withPropertyValues("spring.r2dbc.url=" + pg.verifiedUrl("pool:azuremi:", clientId))
                .withBean("meterRegistry", SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HealthIndicator health = context.getBean(HEALTH, HealthIndicator.class);
                    ConnectionFactory factory = context.getBean(ConnectionFactory.class);
                    assertThat(factory).isInstanceOf(ConnectionPool.class);

                    assertThatThrownBy(
                                    () -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                            .isNotNull();

                    Health down = health.health();
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails()).containsEntry("status", "no usable token");
                    assertThat(String.valueOf(down.getDetails().get("reason")))
                            .contains("no access token")
                            .contains(clientId);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get(MicrometerTokenMetrics.FETCHES)
                                    .tag("identity", clientId)
                                    .tag("outcome", "failure")
                                    .counter()
                                    .count())
                            .isPositive();
                    assertThat(registry.get(MicrometerTokenMetrics.LAST_REFRESH_SUCCESS)
                                    .tag("identity", clientId)
                                    .gauge()
                                    .value())
                            .isZero();
                    assertThat(pg.endpoint.issuedCount()).isZero();
                });
    }

    @Test
    void aPlainDriversFactoryGetsNoTokenMetricsAndNoTokenHealth() {
        String url = pg.url("", pg.newIdentity(), "").replace("?credential=", "?applicationName=x&credential=");
        runner.withPropertyValues("spring.r2dbc.url=" + url)
                .withBean("meterRegistry", SimpleMeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    assertThat(TokenLoginConnectionFactory.find(context.getBean(ConnectionFactory.class)))
                            .isNull();
                    Health health =
                            context.getBean(HEALTH, HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
                    assertThat(health.getDetails()).isEmpty();
                    assertThat(context.getBean(MeterRegistry.class).getMeters())
                            .extracting(Meter::getId)
                            .noneMatch(id -> id.getName().startsWith(MicrometerTokenMetrics.PREFIX));
                });
    }

    @Test
    void nothingWithoutAConnectionFactoryOrWithTheHealthSwitchedOff() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OURS))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(HEALTH);
                });
        runner.withPropertyValues(
                        "spring.r2dbc.url=" + pg.verifiedUrl("pool:azuremi:", pg.newIdentity()),
                        "management.health.managed-identity-token.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(ConnectionFactory.class);
                    assertThat(context).doesNotHaveBean(HEALTH);
                });
    }
}
