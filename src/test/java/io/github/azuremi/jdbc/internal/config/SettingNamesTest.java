package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which of the names a driver hands a plugin are this library's, and what is wrong with one that almost is: drivers
 * pass unknown names on silently, so a misspelt setting would otherwise be ignored.
 */
class SettingNamesTest {

    @Test
    void ourNamesAndTheAzureNamesWeKnow_arePluginSettings_speltExactly() {
        assertThat(SettingNames.isPluginSetting("managedIdentityClientId")).isTrue();
        assertThat(SettingNames.isPluginSetting("azure.clientId")).isTrue();
        assertThat(SettingNames.isPluginSetting("azure.managedIdentityEnabled")).isTrue();
        assertThat(SettingNames.isPluginSetting("managedidentityclientid")).isFalse();
        assertThat(SettingNames.isPluginSetting("tokenCredential"))
                .as("code only")
                .isFalse();
        assertThat(SettingNames.isPluginSetting("sslmode")).isFalse();
    }

    @Test
    void aDriversOwnProperty_isNoneOfOurs() {
        assertThat(SettingNames.unknownNameProblem("sslmode"))
                .as("a length none of ours has")
                .isNull();
        assertThat(SettingNames.unknownNameProblem("database"))
                .as("as long as tenantId, but not it")
                .isNull();
    }

    @Test
    void oneOfOurNamesInAnotherCase_isNamedWithItsSpelling() {
        assertThat(SettingNames.unknownNameProblem("TenantId"))
                .isEqualTo("TenantId is not a setting: the name is tenantId (names are case-sensitive)");
        assertThat(SettingNames.unknownNameProblem("azure.CLIENTID"))
                .isEqualTo("azure.CLIENTID is not a setting: the name is azure.clientId (names are case-sensitive)");
    }

    @Test
    void anAzureSecret_isRefusedWithTheWayToLogInWithoutOne() {
        assertThat(SettingNames.unknownNameProblem("azure.clientSecret"))
                .startsWith("azure.clientSecret is a secret (or a user's password), and this library logs in without "
                        + "secrets")
                .endsWith("Remove azure.clientSecret");
        assertThat(SettingNames.unknownNameProblem("Azure.Password")).startsWith("Azure.Password is a secret");
    }

    @Test
    void anAzureNameThePluginsDoNotSupport_isNamedAsSuch() {
        assertThat(SettingNames.unknownNameProblem("azure.claims"))
                .isEqualTo("azure.claims is not supported by this library's plugins; remove it (for a credential of "
                        + "your own, use ManagedIdentityDataSource.setTokenCredential)");
    }

    @Test
    void anAzureNameNobodyKnows_isAnsweredWithEveryNameWeKnow() {
        assertThat(SettingNames.unknownNameProblem("azure.clientIdentity"))
                .startsWith("azure.clientIdentity is not an azure-identity-extensions setting this library knows; "
                        + "known: azure.clientId, azure.tenantId, azure.scopes")
                .contains("azure.accessTokenTimeoutInSeconds", "azure.managedIdentityEnabled")
                .contains("(and this library's own: ")
                .contains("credential, ", "managedIdentityClientId", "tokenFetchTimeout");
    }

    @Test
    void theAzureNamesArePublishedInTheCataloguesOrder() {
        assertThat(SettingNames.azureNames())
                .as("the aliases of our settings first, then azure-identity-extensions' own settings")
                .startsWith("azure.clientId", "azure.tenantId", "azure.scopes", "azure.accessTokenTimeoutInSeconds")
                .contains("azure.managedIdentityEnabled", "azure.authorityHost")
                .doesNotContainAnyElementsOf(SettingNames.AZURE_REFUSED)
                .doesNotContainAnyElementsOf(SettingNames.AZURE_UNSUPPORTED);
    }
}
