package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How a setting's text becomes a value, and what a message may quote back of it. */
class SettingValuesTest {

    private static final String ID = "1b2c3d4e-0000-1111-2222-333344445555";

    @Test
    void aPlainNumberIsMilliseconds_asHikariCpReadsIt() {
        assertThat(SettingValues.parseMillis("tokenFetchTimeout", "30000")).isEqualTo(30_000);
        assertThat(SettingValues.parseMillis("tokenFetchTimeout", " 250 ")).isEqualTo(250);
    }

    @Test
    void aNumberWithAUnit_isThatManyOfTheUnitInMilliseconds() {
        assertThat(SettingValues.parseMillis("t", "250ms")).isEqualTo(250);
        assertThat(SettingValues.parseMillis("t", "250 MS")).isEqualTo(250);
        assertThat(SettingValues.parseMillis("t", "3s")).isEqualTo(3_000);
        assertThat(SettingValues.parseMillis("t", "2m")).isEqualTo(120_000);
        assertThat(SettingValues.parseMillis("t", "1h")).isEqualTo(3_600_000);
        assertThat(SettingValues.parseMillis("t", "1d")).isEqualTo(86_400_000);
    }

    @Test
    void anIsoDuration_isReadAsSpringReadsIt() {
        assertThat(SettingValues.parseMillis("t", "PT1.5S")).isEqualTo(1_500);
        assertThat(SettingValues.parseMillis("t", "-PT1S")).isEqualTo(-1_000);
    }

    @Test
    void aDurationThatIsNone_isRefusedNamingTheSettingAsSpelt() {
        for (String wrong : new String[] {"soon", "", "ms", "5x", "PTsoon"}) {
            assertThatThrownBy(() -> SettingValues.parseMillis("--fetch-timeout", wrong))
                    .as(wrong)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(
                            "--fetch-timeout must be milliseconds (e.g. 30000) or a duration such as 30s");
        }
        assertThatThrownBy(() -> SettingValues.parseMillis("--fetch-timeout", null))
                .hasMessage("--fetch-timeout must be milliseconds (e.g. 30000) or a duration such as 30s, was nothing");
    }

    @Test
    void aBooleanIsTrueOrFalseInAnyCase_andNothingElse() {
        assertThat(SettingValues.parseBoolean("allowTokenWithoutTls", " TRUE ")).isTrue();
        assertThat(SettingValues.parseBoolean("allowTokenWithoutTls", "False")).isFalse();
        assertThatThrownBy(() -> SettingValues.parseBoolean("allowTokenWithoutTls", "yes"))
                .hasMessage("allowTokenWithoutTls must be true or false, was \"yes\"");
        assertThatThrownBy(() -> SettingValues.parseBoolean("allowTokenWithoutTls", null))
                .hasMessage("allowTokenWithoutTls must be true or false, was nothing");
    }

    @Test
    void aRatioThatIsNoNumber_isRefusedNamingTheSettingAsSpelt() {
        assertThat(SettingValues.parseDouble("tokenRefreshRatio", " 0.25 ")).isEqualTo(0.25);
        assertThatThrownBy(() -> SettingValues.parseDouble("token-refresh-ratio", "half"))
                .hasMessage("token-refresh-ratio must be a number such as 0.5, was \"half\"");
    }

    @Test
    void aMessageQuotesShortPlainText_andOnlyTheLengthOfWhatCouldBeASecret() {
        assertThat(SettingValues.shown(null)).isEqualTo("nothing");
        assertThat(SettingValues.shown("msi")).isEqualTo("\"msi\"");
        assertThat(SettingValues.shown("Abcdefghij0123456789xyz"))
                .as("mixed case and digits, 20 or more: high entropy")
                .isEqualTo("a value of 23 characters (not shown: it may be a secret)");
        assertThat(SettingValues.shown("0123456789abcdef0123"))
                .as("a long run of hex")
                .isEqualTo("a value of 20 characters (not shown: it may be a secret)");
        assertThat(SettingValues.shown("x".repeat(65))).startsWith("a value of 65 characters");
        assertThat(SettingValues.shown("a=b")).as("not plain text").startsWith("a value of 3 characters");
        assertThat(SettingValues.shown(" ${AZURE_CLIENT_ID} "))
                .isEqualTo("the unresolved placeholder ${AZURE_CLIENT_ID} (the variable is not set where the container "
                        + "reads it)");
    }

    @Test
    void aClientIdIsAGuid_andEachWrongShapeIsNamedWithItsFix() {
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", " " + ID + " "))
                .isNull();
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", ID.replace("-", "")))
                .startsWith("managedIdentityClientId is 32 hex digits without dashes (not shown)")
                .doesNotContain(ID.replace("-", ""));
        assertThat(SettingValues.clientIdProblem(
                        "--client-id", "/subscriptions/x/resourceGroups/g/providers/Microsoft.ManagedIdentity/u/n"))
                .startsWith("--client-id is a resource id, but must be the client id (a GUID)")
                .contains("az identity show --ids <the resource id>");
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", "abc~defSecret"))
                .startsWith("managedIdentityClientId has the shape of a client secret (not shown)")
                .doesNotContain("abc~defSecret");
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", "Abcdefghij0123456789xyz"))
                .startsWith("managedIdentityClientId has the shape of a client secret (not shown)");
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", "my-identity"))
                .isEqualTo("managedIdentityClientId must be the client id (a GUID such as "
                        + "1b2c3d4e-0000-1111-2222-333344445555) of a user-assigned managed identity, but was "
                        + "\"my-identity\". Find it with: az identity show -g <group> -n <name> --query clientId");
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", "${AZURE_CLIENT_ID}"))
                .startsWith("managedIdentityClientId is the unresolved placeholder ${AZURE_CLIENT_ID}")
                .endsWith("or remove managedIdentityClientId to use the system-assigned identity");
    }

    @Test
    void aTenantIsAGuidOrADomain_andAnythingElseIsNamedWithItsFix() {
        assertThat(SettingValues.tenantIdProblem("tenantId", ID)).isNull();
        assertThat(SettingValues.tenantIdProblem("tenantId", " contoso.onmicrosoft.com "))
                .isNull();
        assertThat(SettingValues.tenantIdProblem("tenantId", "contoso"))
                .isEqualTo("tenantId must be a tenant GUID or a domain such as contoso.onmicrosoft.com, but was "
                        + "\"contoso\"");
        assertThat(SettingValues.tenantIdProblem("tenantId", "contoso.com/x=y"))
                .as("a dot alone does not make a domain")
                .startsWith("tenantId must be a tenant GUID or a domain");
        assertThat(SettingValues.tenantIdProblem("--tenant-id", " "))
                .startsWith("--tenant-id is set but empty")
                .endsWith("or remove --tenant-id");
    }
}
