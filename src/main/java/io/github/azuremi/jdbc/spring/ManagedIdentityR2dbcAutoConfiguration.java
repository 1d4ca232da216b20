package io.github.azuremi.jdbc.spring;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * For reactive applications whose R2DBC connection factory logs in with this library: Boot's own
 * {@code spring.r2dbc.url=r2dbc:pool:azuremi:postgresql://...} (or {@code r2dbc:azuremi:...}, which Boot pools), or a
 * {@code ConnectionFactory} bean of the application built from such a URL. The URL is all the configuration: Boot's
 * R2DBC auto-configuration builds the factory through R2DBC's discovery, and this library's settings go in the URL or
 * {@code spring.r2dbc.properties.*}. This adds, per connection factory bean:
 *
 * <ul>
 *   <li>a health indicator, {@code managedIdentityR2dbcToken}, of the same shape as the data source's
 *       ({@code managedIdentityToken}): UP with the token's remaining lifetime, DOWN with the reason when no usable
 *       token is held, UNKNOWN while no connection was asked for; off with
 *       {@code management.health.managed-identity-token.enabled=false};</li>
 *   <li>the token metrics of the data source ({@code managed.identity.token.*}, tagged {@code identity},
 *       {@code scope} and {@code pool} = the bean name) in the application's {@code MeterRegistry}, if it has one;</li>
 *   <li>the release of the token when the context closes (r2dbc-pool does not close the factory below it).</li>
 * </ul>
 *
 * <p>One configuration for Boot 3 and 4: Boot's R2DBC auto-configuration and health API are named only as strings.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration", // Boot 3
            "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration" // Boot 4
        })
@ConditionalOnClass(
        name = {"io.r2dbc.spi.ConnectionFactory", "io.github.azuremi.jdbc.internal.r2dbc.TokenLoginConnectionFactory"})
@ConditionalOnBean(type = "io.r2dbc.spi.ConnectionFactory")
class ManagedIdentityR2dbcAutoConfiguration { // package-private: not one more public type (Boot excludes it by name)

    @Bean
    @ConditionalOnMissingBean
    R2dbcTokenFactories managedIdentityR2dbcTokenFactories(
            ListableBeanFactory beans, ObjectProvider<R2dbcTokenFactories.MeterRegistrySource> meterRegistry) {
        return new R2dbcTokenFactories(beans, meterRegistry);
    }

    /** The application's MeterRegistry for the token metrics; only loaded when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Micrometer {
        @Bean
        R2dbcTokenFactories.MeterRegistrySource managedIdentityR2dbcMeterRegistry(
                ObjectProvider<MeterRegistry> registries) {
            return registries::getIfUnique;
        }
    }

    /** Spring Boot 4: org.springframework.boot.health.contributor. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.AbstractHealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.managed-identity-token", name = "enabled", matchIfMissing = true)
    static class Boot4Health {
        @Bean
        @ConditionalOnMissingBean(name = "managedIdentityR2dbcTokenHealthIndicator")
        Boot4TokenHealthIndicator managedIdentityR2dbcTokenHealthIndicator(R2dbcTokenFactories factories) {
            return new Boot4TokenHealthIndicator(new TokenHealth(factories::pools));
        }
    }

    /** Spring Boot 3: org.springframework.boot.actuate.health. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.AbstractHealthIndicator")
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.AbstractHealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.managed-identity-token", name = "enabled", matchIfMissing = true)
    static class Boot3Health {
        @Bean
        @ConditionalOnMissingBean(name = "managedIdentityR2dbcTokenHealthIndicator")
        Boot3TokenHealthIndicator managedIdentityR2dbcTokenHealthIndicator(R2dbcTokenFactories factories) {
            return new Boot3TokenHealthIndicator(new TokenHealth(factories::pools));
        }
    }
}
