package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * When the auto-configuration applies, and what it binds, with Boot's {@code ApplicationContextRunner}. The
 * pools are never started here (no connection is asked for); SpringBootIntegrationTest logs in for real.
 */
class ManagedIdentityDataSourceAutoConfigurationTest {

    private static final String URL = "jdbc:postgresql://myserver.postgres.database.azure.com:5432/app";
    private static final String CLIENT_ID = "1b2c3d4e-0000-1111-2222-333344445555";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ManagedIdentityDataSourceAutoConfiguration.class, DataSourceAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=" + URL, "spring.datasource.username=my-app");

    @Test
    void theSwitchMakesTheDataSourceOursAndBindsEveryPropertyGroup() {
        runner.withPropertyValues(
                        "spring.datasource.azure-managed-identity.enabled=true",
                        "spring.datasource.azure-managed-identity.credential=managed-identity",
                        "spring.datasource.azure-managed-identity.managed-identity-client-id=" + CLIENT_ID,
                        "spring.datasource.azure-managed-identity.tenant-id=contoso.onmicrosoft.com",
                        "spring.datasource.azure-managed-identity.token-scope=https://ossrdbms-aad.database.windows.net/.default",
                        "spring.datasource.azure-managed-identity.token-refresh-ratio=0.7",
                        "spring.datasource.azure-managed-identity.token-refresh-jitter=0.2",
                        "spring.datasource.azure-managed-identity.token-expiry-margin=45s",
                        "spring.datasource.azure-managed-identity.token-fetch-timeout=10000",
                        "spring.datasource.azure-managed-identity.token-retry-backoff=500ms",
                        "spring.datasource.azure-managed-identity.token-retry-max-backoff=1m",
                        "spring.datasource.azure-managed-identity.allow-unverified-transport=true",
                        "spring.datasource.name=orders",
                        "spring.datasource.hikari.maximum-pool-size=7",
                        "spring.datasource.hikari.data-source-properties.ApplicationName=orders-app")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(DataSource.class);
                    ManagedIdentityDataSource ds = context.getBean(ManagedIdentityDataSource.class);
                    assertThat(ds.getJdbcUrl()).isEqualTo(URL);
                    assertThat(ds.getUsername()).isEqualTo("my-app");
                    assertThat(ds.getPoolName()).isEqualTo("orders");
                    assertThat(ds.getCredential()).isEqualTo("managed-identity");
                    assertThat(ds.getManagedIdentityClientId()).isEqualTo(CLIENT_ID);
                    assertThat(ds.getTenantId()).isEqualTo("contoso.onmicrosoft.com");
                    assertThat(ds.getTokenScope()).isEqualTo("https://ossrdbms-aad.database.windows.net/.default");
                    assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.7);
                    assertThat(ds.getTokenRefreshJitter()).isEqualTo(0.2);
                    assertThat(ds.getTokenExpiryMargin()).isEqualTo(45_000);
                    assertThat(ds.getTokenFetchTimeout()).isEqualTo(10_000);
                    assertThat(ds.getTokenRetryBackoff()).isEqualTo(500);
                    assertThat(ds.getTokenRetryMaxBackoff()).isEqualTo(60_000);
                    assertThat(ds.isAllowUnverifiedTransport()).isTrue();
                    assertThat(ds.getMaximumPoolSize()).isEqualTo(7);
                    assertThat(ds.getDataSourceProperties()).containsEntry("ApplicationName", "orders-app");
                    assertThat(ds.isRunning()).isFalse();
                });
    }

    @Test
    void springDatasourceTypeNamingOurClassIsTheOtherWayToAskForIt() {
        runner.withPropertyValues("spring.datasource.type=io.github.azuremi.jdbc.ManagedIdentityDataSource")
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .getBean(DataSource.class)
                        .isExactlyInstanceOf(ManagedIdentityDataSource.class));
    }

    @Test
    void withoutTheSwitchBootsOwnPoolStays() {
        runner.run(context -> assertThat(context)
                .hasNotFailed()
                .getBean(DataSource.class)
                .isExactlyInstanceOf(HikariDataSource.class));
    }

    @Test
    void anApplicationsOwnDataSourceWins() {
        runner.withPropertyValues("spring.datasource.azure-managed-identity.enabled=true")
                .withBean("dataSource", DataSource.class, HikariDataSource::new)
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .getBean(DataSource.class)
                        .isExactlyInstanceOf(HikariDataSource.class));
    }

    @Test
    void theApplicationsMeterRegistryIsWired() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withPropertyValues("spring.datasource.azure-managed-identity.enabled=true")
                .withBean(MeterRegistry.class, () -> registry)
                .run(context -> assertThat(
                                context.getBean(ManagedIdentityDataSource.class).getMeterRegistry())
                        .isSameAs(registry));
    }

    @Test
    void withoutMicrometerOnTheClasspathTheDataSourceStillComes() {
        runner.withPropertyValues("spring.datasource.azure-managed-identity.enabled=true")
                .withClassLoader(new FilteredClassLoader("io.micrometer"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(ManagedIdentityDataSource.class).getMeterRegistry())
                            .isNull();
                });
    }

    /**
     * Spring Boot 4 has no org.springframework.boot.autoconfigure.jdbc package (DataSourceProperties and
     * DataSourceAutoConfiguration moved to org.springframework.boot.jdbc.autoconfigure): hidden here, the
     * auto-configuration must still load and bind spring.datasource.* (the consumers/ projects run real Boot 4).
     */
    @Test
    void worksWhereBoot3sJdbcAutoConfigurationPackageDoesNotExist() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ManagedIdentityDataSourceAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.autoconfigure.jdbc"))
                .withPropertyValues(
                        "spring.datasource.url=" + URL,
                        "spring.datasource.username=my-app",
                        "spring.datasource.driver-class-name=org.postgresql.Driver",
                        "spring.datasource.name=orders",
                        "spring.datasource.azure-managed-identity.enabled=true",
                        "spring.datasource.hikari.maximum-pool-size=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ManagedIdentityDataSource ds = context.getBean(ManagedIdentityDataSource.class);
                    assertThat(ds.getJdbcUrl()).isEqualTo(URL);
                    assertThat(ds.getDriverClassName()).isEqualTo("org.postgresql.Driver");
                    assertThat(ds.getPoolName()).isEqualTo("orders");
                    assertThat(ds.getMaximumPoolSize()).isEqualTo(3);
                });
    }
}
