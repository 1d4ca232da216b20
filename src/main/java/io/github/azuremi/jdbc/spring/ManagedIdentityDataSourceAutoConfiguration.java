package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Makes the application's {@code DataSource} a {@link ManagedIdentityDataSource} when
 * {@code spring.datasource.url} is set and either {@code spring.datasource.azure-managed-identity.enabled=true}
 * or {@code spring.datasource.type=io.github.azuremi.jdbc.ManagedIdentityDataSource}.
 *
 * <ul>
 *   <li>{@code spring.datasource.url}, {@code .username}, {@code .driver-class-name} and {@code .name} (the pool
 *       name) are used as Boot uses them; a {@code spring.datasource.password} is refused when the pool starts,
 *       with a message that says to remove it.</li>
 *   <li>{@code spring.datasource.hikari.*} binds to the pool exactly as for Boot's own Hikari pool.</li>
 *   <li>This library's settings come from {@link ManagedIdentityDataSourceProperties}
 *       ({@code spring.datasource.azure-managed-identity.*}).</li>
 *   <li>With Micrometer present, the application's {@code MeterRegistry} receives the token metrics and
 *       Hikari's pool metrics (Boot's actuator then leaves the pool's metrics alone, as they are wired).</li>
 * </ul>
 *
 * <p>One configuration for Spring Boot 3 and 4: it names Boot's {@code DataSourceAutoConfiguration} only as a
 * string (Boot 4 moved it from {@code org.springframework.boot.autoconfigure.jdbc} to
 * {@code org.springframework.boot.jdbc.autoconfigure}) and reads {@code spring.datasource.*} with Boot's
 * {@code Binder} instead of Boot's {@code DataSourceProperties} (which moved too), so no class of either
 * generation is loaded.
 *
 * <p>Runs before Boot's {@code DataSourceAutoConfiguration}, which then backs off; Flyway, Liquibase, JPA and
 * {@code JdbcTemplate} use this bean, and since the token comes from inside the pool, the first connection
 * that any of them opens already logs in with a token. An application that declares its own
 * {@code DataSource} bean keeps it.
 */
@AutoConfiguration(
        beforeName = {
            "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration", // Boot 3
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"
        }) // Boot 4
@ConditionalOnClass(
        value = {DataSource.class, ManagedIdentityDataSource.class},
        name = "org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType")
@ConditionalOnProperty(prefix = "spring.datasource", name = "url")
@Conditional(ManagedIdentityDataSourceAutoConfiguration.OnManagedIdentityRequested.class)
@EnableConfigurationProperties(ManagedIdentityDataSourceProperties.class)
public class ManagedIdentityDataSourceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(DataSource.class)
    @ConfigurationProperties(prefix = "spring.datasource.hikari")
    public ManagedIdentityDataSource dataSource(
            Environment environment, ObjectProvider<ManagedIdentityDataSourceCustomizer> customizers) {
        ManagedIdentityDataSource dataSource = configured(Binder.get(environment));
        customizers.orderedStream().forEach(customizer -> customizer.customize(dataSource));
        return dataSource;
    }

    /**
     * The data source that {@code spring.datasource.*} describes, before {@code spring.datasource.hikari.*} and the
     * customizers apply (they do not change the identity or the scope); also what the early token prefetch reads.
     */
    static ManagedIdentityDataSource configured(Binder binder) {
        ManagedIdentityDataSource dataSource = new ManagedIdentityDataSource();
        dataSource.setJdbcUrl(datasourceProperty(binder, "url"));
        String username = datasourceProperty(binder, "username");
        if (StringUtils.hasText(username)) {
            dataSource.setUsername(username);
        }
        String password = datasourceProperty(binder, "password");
        if (StringUtils.hasText(password)) {
            dataSource.setPassword(password); // refused at start, with the reason
        }
        String driverClassName = datasourceProperty(binder, "driver-class-name");
        if (StringUtils.hasText(driverClassName)) {
            dataSource.setDriverClassName(driverClassName);
        }
        String name = datasourceProperty(binder, "name");
        if (StringUtils.hasText(name)) {
            dataSource.setPoolName(name);
        }
        ManagedIdentityDataSourceProperties.applyTo(binder, dataSource);
        return dataSource;
    }

    /** spring.datasource.{@code name}, with Boot's relaxed binding (SPRING_DATASOURCE_URL and so on). */
    static String datasourceProperty(Binder binder, String name) {
        return binder.bind("spring.datasource." + name, String.class).orElse(null);
    }

    /** Hands the application's MeterRegistry to the pool; only loaded when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MicrometerConfiguration {

        @Bean
        ManagedIdentityDataSourceCustomizer managedIdentityDataSourceMeterRegistry(
                ObjectProvider<MeterRegistry> registries) {
            return dataSource -> {
                MeterRegistry registry = registries.getIfUnique();
                if (registry != null
                        && dataSource.getMeterRegistry() == null
                        && dataSource.getMetricRegistry() == null
                        && dataSource.getMetricsTrackerFactory() == null) {
                    dataSource.setMeterRegistry(registry);
                }
            };
        }
    }

    /** Our switch, or spring.datasource.type naming our class. */
    static final class OnManagedIdentityRequested extends AnyNestedCondition {

        OnManagedIdentityRequested() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(
                prefix = ManagedIdentityDataSourceProperties.PREFIX,
                name = "enabled",
                havingValue = "true")
        static final class Enabled {}

        @ConditionalOnProperty(
                prefix = "spring.datasource",
                name = "type",
                havingValue = "io.github.azuremi.jdbc.ManagedIdentityDataSource")
        static final class TypeIsManagedIdentityDataSource {}
    }
}
