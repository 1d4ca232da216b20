package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.cli.Main;
import io.github.azuremi.jdbc.plugin.SqlServerAccessTokenCallback;
import io.github.azuremi.jdbc.spring.ManagedIdentityDataSourceAutoConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * One validation step (the catalogue's) behind every surface: each message names the setting as that surface's
 * user wrote it, and says the fix. Issue 17: the credential type was checked in three places with three messages,
 * the client id's GUID twice, and the CLI and Spring named settings as the data source does.
 */
class EachSurfaceNamesTheSettingAsItsUserSpeltItTest {

    private static final String PG = "jdbc:postgresql://srv.postgres.database.azure.com:5432/app";

    @Test
    void springNamesItsOwnPropertyAndFailsWhenTheContextStarts_notAtTheFirstConnection() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ManagedIdentityDataSourceAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + PG,
                        "spring.datasource.username=app",
                        "spring.datasource.azure-managed-identity.enabled=true",
                        "spring.datasource.azure-managed-identity.managed-identity-client-id=my-identity",
                        "spring.datasource.azure-managed-identity.credential=msi")
                .run(
                        context -> assertThat(context)
                                .hasFailed()
                                .getFailure()
                                .rootCause()
                                .hasMessageContaining(
                                        "spring.datasource.azure-managed-identity.managed-identity-client-id must be the "
                                                + "client id (a GUID")
                                .hasMessageContaining(
                                        "spring.datasource.azure-managed-identity.credential must be one of default, "
                                                + "managed-identity, workload-identity, azure-cli, environment, but was \"msi\""));
    }

    @Test
    void springTakesIsoDurationsAsSpringDoes() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ManagedIdentityDataSourceAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + PG,
                        "spring.datasource.username=app",
                        "spring.datasource.azure-managed-identity.enabled=true",
                        "spring.datasource.azure-managed-identity.token-fetch-timeout=PT7S")
                .run(context -> assertThat(
                                context.getBean(ManagedIdentityDataSource.class).getTokenFetchTimeout())
                        .isEqualTo(7_000));
    }

    @Test
    void theCheckCommandNamesItsOptionAndRefusesWhatTheDataSourceRefuses() {
        assertThat(check("--url", PG, "--client-id", "my-identity"))
                .contains("check: --client-id must be the client id (a GUID such as")
                .contains("az identity show");
        // an unset ${AZURE_CLIENT_ID} left "--client-id ''": it meant an identity, not the system-assigned one
        assertThat(check("--url", PG, "--client-id", "")).contains("check: --client-id is set but empty");
        assertThat(check("--url", PG, "--tenant-id", "not a tenant"))
                .contains("check: --tenant-id must be a tenant GUID or a domain");
        assertThat(check("--url", PG, "--credential", "msi"))
                .contains("check: --credential must be one of default, managed-identity, workload-identity, azure-cli, "
                        + "environment, but was \"msi\"");
    }

    @Test
    void theSqlServerCallbackNamesTheSystemPropertyAsItIsSet() {
        System.setProperty("azuremi.managedIdentityClientId", "my-identity");
        try {
            assertThatThrownBy(() ->
                            new SqlServerAccessTokenCallback().getAccessToken("https://database.windows.net/", "x"))
                    .hasMessageContaining("-Dazuremi.managedIdentityClientId must be the client id")
                    .hasMessageContaining("(in the JVM system properties azuremi.*)");
        } finally {
            System.clearProperty("azuremi.managedIdentityClientId");
        }
    }

    @Test
    void theDataSourceReportsEveryWrongSettingAtOnce_notOnlyTheFirst() {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(PG);
            ds.setUsername("app");
            ds.setCredential("msi");
            ds.setTenantId("not a tenant");
            assertThatThrownBy(ds::validate)
                    .hasMessageContaining("credential must be one of")
                    .hasMessageContaining("tenantId must be a tenant GUID or a domain");
        }
    }

    @Test
    void propertiesTakeIsoDurationsToo() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", PG);
        p.setProperty("tokenExpiryMargin", "PT45S");
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource(p)) {
            assertThat(ds.getTokenExpiryMargin()).isEqualTo(45_000);
        }
    }

    private static String check(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "check";
        System.arraycopy(args, 0, all, 1, args.length);
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            assertThat(Main.run(all, out)).as("usage error").isEqualTo(2);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
