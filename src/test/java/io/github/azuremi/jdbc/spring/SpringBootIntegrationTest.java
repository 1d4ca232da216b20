package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.metrics.MicrometerTokenMetrics;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Real Spring Boot 3.5 application contexts (no web server) against the real PostgreSQL, with the real
 * credential talking to the local managed-identity endpoint: the auto-configuration configured by the
 * project's example {@code config/spring/application.yml}, and the documented plain {@code @Bean}. Flyway
 * migrates while the context starts, so its connection is the application's first.
 */
class SpringBootIntegrationTest {

    /**
     * This test classpath has the R2DBC drivers of the reactive tests, with which Boot would build an R2DBC connection
     * factory and leave the DataSource out; a JDBC application has no R2DBC driver.
     */
    private static final String R2DBC_AUTO_CONFIGURATION =
            "org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration";

    private static final String NO_CONFIG_FILES = "optional:classpath:/no-config-files/";
    private static final String TABLE_SUFFIX =
            UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private TestDatabase db;
    private String role;

    @BeforeAll
    static void keepThisJvmsLogging() {
        // Boot would reconfigure logback for the whole test JVM.
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
    }

    @AfterAll
    static void restoreLogging() {
        System.clearProperty(LoggingSystem.SYSTEM_PROPERTY);
    }

    @BeforeEach
    void prepare() {
        endpoint.reset();
        db = TestDatabases.postgres();
        role = db.createTokenRole("mi_spring");
        endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
    }

    @AfterEach
    void close() throws Exception {
        contexts.forEach(ConfigurableApplicationContext::close);
        endpoint.reset();
        try (Connection admin = db.adminConnection();
                Statement s = admin.createStatement()) {
            for (String table : List.of("greeting_", "flyway_history_")) {
                s.execute("DROP TABLE IF EXISTS " + table + TABLE_SUFFIX + "_a, " + table + TABLE_SUFFIX + "_b");
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = R2DBC_AUTO_CONFIGURATION)
    static class App {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    /** The drop-in of docs/spring-boot.md (A plain bean): a plain bean method, no auto-configuration switch. */
    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = R2DBC_AUTO_CONFIGURATION)
    static class DropInApp {
        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        DataSource dataSource(MeterRegistry meterRegistry) {
            ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
            ds.setJdbcUrl(System.getProperty("test.database.url"));
            ds.setUsername(System.getProperty("test.database.username"));
            ds.setCredential("managed-identity");
            ds.setManagedIdentityClientId(System.getProperty("test.client.id"));
            ds.setMeterRegistry(meterRegistry);
            return ds;
        }
    }

    private ConfigurableApplicationContext start(Class<?> app, String run, String... properties) {
        List<String> all = new ArrayList<>(List.of(
                // Boot's default locations include file:./config/*/, which is the example directory here
                "spring.config.location=" + NO_CONFIG_FILES,
                "spring.flyway.locations=classpath:db/mi-spring",
                "spring.flyway.table=flyway_history_" + TABLE_SUFFIX + "_" + run,
                "spring.flyway.placeholders.greetingtable=greeting_" + TABLE_SUFFIX + "_" + run));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(app)
                .web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new))
                .run();
        contexts.add(context);
        return context;
    }

    @Test
    void theExampleApplicationYmlGivesAManagedIdentityPoolThatFlywayJdbcTemplateAndTheMeterRegistryUse() {
        String clientId = UUID.randomUUID().toString();
        // the example's ${DATABASE_URL} etc. are app settings (environment variables); here, Boot's default properties
        ConfigurableApplicationContext context = start(
                App.class,
                "a",
                "spring.config.location=file:config/spring/application.yml",
                "DATABASE_URL=" + db.jdbcUrl(),
                "DATABASE_USERNAME=" + role,
                "AZURE_CLIENT_ID=" + clientId,
                "spring.datasource.azure-managed-identity.token-refresh-ratio=0.6",
                "spring.datasource.azure-managed-identity.token-fetch-timeout=15s");

        DataSource dataSource = context.getBean(DataSource.class);
        assertThat(dataSource).isExactlyInstanceOf(ManagedIdentityDataSource.class);
        ManagedIdentityDataSource ds = (ManagedIdentityDataSource) dataSource;
        assertThat(ds.getPoolName()).isEqualTo("app"); // from the example's hikari section
        assertThat(ds.getMaximumPoolSize()).isEqualTo(10); // spring.datasource.hikari.* binds as usual
        assertThat(ds.getManagedIdentityClientId()).isEqualTo(clientId);
        assertThat(ds.getCredential()).isEqualTo("managed-identity");
        assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.6);
        assertThat(ds.getTokenFetchTimeout()).isEqualTo(15_000);
        assertThat(ds.isRunning()).as("Flyway already migrated through it").isTrue();

        JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
        assertThat(jdbc.queryForObject("SELECT current_user", String.class)).isEqualTo(role);
        assertThat(jdbc.queryForObject("SELECT text FROM greeting_" + TABLE_SUFFIX + "_a WHERE id = 1", String.class))
                .isEqualTo("hello from Flyway");
        assertThat(endpoint.issuedTokens())
                .singleElement()
                .satisfies(t -> assertThat(t.clientId()).isEqualTo(clientId));

        SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
        assertThat(registry.get(MicrometerTokenMetrics.FETCHES)
                        .tag("pool", "app")
                        .tag("outcome", "success")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get(MicrometerTokenMetrics.EXPIRES_IN)
                        .tag("pool", "app")
                        .gauge()
                        .value())
                .isPositive();
        assertThat(registry.get("hikaricp.connections").tag("pool", "app").gauge())
                .isNotNull();
    }

    @Test
    void aPlainBeanMethodReturningAManagedIdentityDataSourceIsADropIn() {
        String clientId = UUID.randomUUID().toString();
        System.setProperty("test.database.url", db.jdbcUrl());
        System.setProperty("test.database.username", role);
        System.setProperty("test.client.id", clientId);
        try {
            ConfigurableApplicationContext context = start(DropInApp.class, "b");

            assertThat(context.getBean(DataSource.class)).isExactlyInstanceOf(ManagedIdentityDataSource.class);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForObject("SELECT current_user", String.class)).isEqualTo(role);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM greeting_" + TABLE_SUFFIX + "_b", Integer.class))
                    .isEqualTo(1);
            SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
            assertThat(registry.find(MicrometerTokenMetrics.FETCHES).counters()).isNotEmpty();
            assertThat(registry.find("hikaricp.connections").gauges()).isNotEmpty();
        } finally {
            List.of("test.database.url", "test.database.username", "test.client.id")
                    .forEach(System::clearProperty);
        }
    }

    /** Not a database test, but the same JVM set-up: the switch off leaves Boot's own Hikari pool. */
    @Test
    void withoutTheSwitchBootKeepsItsOwnHikariPool() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "spring.config.location=" + NO_CONFIG_FILES,
                        "spring.datasource.url=" + db.jdbcUrl(),
                        "spring.flyway.enabled=false",
                        "spring.datasource.hikari.pool-name=plain-"
                                + UUID.randomUUID().toString().toLowerCase(Locale.ROOT))
                .run();
        contexts.add(context);
        assertThat(context.getBean(DataSource.class)).isExactlyInstanceOf(HikariDataSource.class);
    }
}
