package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Review of issue 16 row 8: an empty managedIdentityClientId is now refused ("set but empty (an unset variable such
 * as ${AZURE_CLIENT_ID}?)"). But docs/spring-boot.md and the ready example config/spring/application.yml
 * bind {@code managed-identity-client-id: ${AZURE_CLIENT_ID:}} and say "leave it unset for the system-assigned
 * one": Boot binds that to "", so every application that followed the example on a system-assigned identity no
 * longer starts after the upgrade.
 */
class ReadmeExampleWithSystemAssignedIdentityTest {

    @Test
    void theReadmesSpringExampleStillStartsWithAzureClientIdUnset() {
        assertThat(System.getenv("AZURE_CLIENT_ID"))
                .as("precondition: the system-assigned case")
                .isNull();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        ManagedIdentityDataSourceAutoConfiguration.class, DataSourceAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=jdbc:postgresql://myserver.postgres.database.azure.com:5432/app",
                        "spring.datasource.username=my-app",
                        "spring.datasource.azure-managed-identity.enabled=true",
                        "spring.datasource.azure-managed-identity.credential=managed-identity",
                        "spring.datasource.azure-managed-identity.managed-identity-client-id=${AZURE_CLIENT_ID:}")
                .run(context -> {
                    ManagedIdentityDataSource ds = context.getBean(ManagedIdentityDataSource.class);
                    assertThat(catchThrowable(ds::validate))
                            .as("the settings of README's example are valid")
                            .isNull();
                });
    }
}
