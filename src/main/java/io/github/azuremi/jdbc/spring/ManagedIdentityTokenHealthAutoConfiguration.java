package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import javax.sql.DataSource;
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
 * A health indicator, {@code managedIdentityToken}, for applications with an actuator and a
 * {@link ManagedIdentityDataSource} (from the auto-configuration or a bean of their own): DOWN with the
 * reason when a started pool holds no usable token, UP with the token's remaining lifetime. One nested
 * configuration per Boot generation, each guarded by the name of its generation's health API, so neither
 * loads a class the other Boot lacks. Off with {@code management.health.managed-identity-token.enabled=false}.
 */
@AutoConfiguration(
        after = ManagedIdentityDataSourceAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"
        })
@ConditionalOnClass(ManagedIdentityDataSource.class)
@ConditionalOnBean(DataSource.class) // by type DataSource: a bean method may declare DataSource and return ours
@ConditionalOnProperty(prefix = "management.health.managed-identity-token", name = "enabled", matchIfMissing = true)
public class ManagedIdentityTokenHealthAutoConfiguration {

    /** Spring Boot 4: org.springframework.boot.health.contributor. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.AbstractHealthIndicator")
    static class Boot4 {
        @Bean
        @ConditionalOnMissingBean(name = "managedIdentityTokenHealthIndicator")
        Boot4TokenHealthIndicator managedIdentityTokenHealthIndicator(ObjectProvider<DataSource> dataSources) {
            return new Boot4TokenHealthIndicator(new TokenHealth(dataSources));
        }
    }

    /** Spring Boot 3: org.springframework.boot.actuate.health. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.AbstractHealthIndicator")
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.AbstractHealthIndicator")
    static class Boot3 {
        @Bean
        @ConditionalOnMissingBean(name = "managedIdentityTokenHealthIndicator")
        Boot3TokenHealthIndicator managedIdentityTokenHealthIndicator(ObjectProvider<DataSource> dataSources) {
            return new Boot3TokenHealthIndicator(new TokenHealth(dataSources));
        }
    }
}
