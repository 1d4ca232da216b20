package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;

/**
 * Changes the {@link ManagedIdentityDataSource} that the auto-configuration builds, after the Spring
 * properties are applied and before the pool starts (for example to set a {@code TokenCredential} built in
 * code). Beans of this type are applied in their {@code @Order}.
 */
@FunctionalInterface
public interface ManagedIdentityDataSourceCustomizer {

    void customize(ManagedIdentityDataSource dataSource);
}
