package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one validation step, without any surface: a source's values to checked settings or every problem. */
class IdentitySettingsTest {

    private static final String ID = "1b2c3d4e-0000-1111-2222-333344445555";

    private static SettingSource spring() {
        return new SettingSource(
                Surface.SPRING,
                n -> Settings.SPRING_PREFIX + "."
                        + Settings.named(n, Surface.SPRING).springName());
    }

    @Test
    void nothingGivenIsTheDefaults() {
        assertThat(IdentitySettings.checkOrThrow(new SettingSource(Surface.DATA_SOURCE)))
                .isEqualTo(IdentitySettings.DEFAULTS);
    }

    @Test
    void textAndTypedValuesResolveAlike() {
        IdentitySettings fromText = IdentitySettings.checkOrThrow(new SettingSource(Surface.DATA_SOURCE)
                .put("credential", "managed-identity")
                .put("managedIdentityClientId", " " + ID + " ")
                .put("tokenFetchTimeout", "5s")
                .put("tokenRefreshRatio", "0.6"));
        IdentitySettings typed = IdentitySettings.checkOrThrow(new SettingSource(Surface.DATA_SOURCE)
                .put("credential", "managed-identity")
                .put("managedIdentityClientId", ID)
                .put("tokenFetchTimeout", Duration.ofSeconds(5))
                .put("tokenRefreshRatio", 0.6));
        assertThat(fromText).isEqualTo(typed).hasSameHashCodeAs(typed);
        assertThat(fromText.clientId()).isEqualTo(ID);
        assertThat(fromText.credential()).isEqualTo(CredentialType.MANAGED_IDENTITY);
        assertThat(fromText.fetchTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void everyProblemIsListed_eachNamedAsTheSourceSpellsIt() {
        List<String> problems = new ArrayList<>();
        assertThat(IdentitySettings.check(
                        spring().put("credential", "msi").put("tenantId", "").put("tokenFetchTimeout", "soon"),
                        problems))
                .isNull();
        assertThat(problems).hasSize(3);
        assertThat(problems.get(0)).startsWith("spring.datasource.azure-managed-identity.credential must be one of");
        assertThat(problems.get(1)).startsWith("spring.datasource.azure-managed-identity.tenant-id is set but empty");
        assertThat(problems.get(2))
                .startsWith("spring.datasource.azure-managed-identity.token-fetch-timeout must be "
                        + "milliseconds (e.g. 30000) or a duration such as 30s");
    }

    @Test
    void outOfRangeTimingsWarnUnderTheSourcesNameAndFallBack() {
        IdentitySettings s = IdentitySettings.checkOrThrow(spring().put("tokenRefreshRatio", "1.5"));
        assertThat(s.timings().refreshRatio()).isEqualTo(TokenSettings.DEFAULT_REFRESH_RATIO);
        assertThat(s.warnings())
                .singleElement()
                .asString()
                .startsWith("spring.datasource.azure-managed-identity.token-refresh-ratio must be greater than 0");
    }

    @Test
    void azureNamesAreThePluginsOnly() {
        assertThat(Settings.named("azure.clientId", Surface.PLUGIN)).isSameAs(Settings.CLIENT_ID);
        assertThat(Settings.named("azure.clientId", Surface.DATA_SOURCE)).isNull();
        assertThat(Settings.named("tokenCredential", Surface.PLUGIN)).isNull();
        IdentitySettings ignored = IdentitySettings.checkOrThrow(
                new SettingSource(Surface.DATA_SOURCE).put("azure.clientId", "not read here"));
        assertThat(ignored.clientId()).isNull();
    }

    @Test
    void equalSettingsAreEqual_andTheirTextNamesOnlyWhatIsSet() {
        IdentitySettings a = IdentitySettings.checkOrThrow(new SettingSource(Surface.PLUGIN)
                .put("azure.clientId", ID)
                .put("tenantId", "contoso.com")
                .put("tokenScope", "https://ossrdbms-aad.database.windows.net/.default")
                .put("azure.authorityHost", "https://login.microsoftonline.us/")
                .put("allowUnverifiedTransport", "true"));
        IdentitySettings b = IdentitySettings.checkOrThrow(new SettingSource(Surface.PLUGIN)
                .put("managedIdentityClientId", ID.toUpperCase())
                .put("azure.clientId", ID)
                .put("tenantId", "contoso.com")
                .put("azure.scopes", "https://ossrdbms-aad.database.windows.net/.default")
                .put("azure.authorityHost", "https://login.microsoftonline.us")
                .put("allowUnverifiedTransport", "true"));
        assertThat(a.clientId()).isEqualTo(ID);
        assertThat(b.clientId())
                .as("the first name given wins; the other agrees")
                .isEqualTo(ID.toUpperCase());
        assertThat(a.cloud()).isEqualTo("usgovcloudapi.net");
        assertThat(a.hashCode()).isNotZero().isEqualTo(a.hashCode()).isNotEqualTo(IdentitySettings.DEFAULTS.hashCode());
        assertThat(a.toString())
                .contains(
                        "clientId=" + ID,
                        "tenantId=contoso.com",
                        "scope=https://ossrdbms-aad",
                        "cloud=usgovcloudapi.net",
                        "allowUnverifiedTransport");
        assertThat(IdentitySettings.DEFAULTS.toString())
                .isEqualTo("credential=default, " + TokenSettings.DEFAULTS)
                .doesNotContain("clientId")
                .doesNotContain("allowUnverifiedTransport");
    }

    @Test
    void twoNamesThatDisagreeAreOneProblemNamingBoth() {
        List<String> problems = new ArrayList<>();
        assertThat(IdentitySettings.check(
                        new SettingSource(Surface.PLUGIN)
                                .put("tenantId", "contoso.com")
                                .put("azure.tenantId", "fabrikam.com"),
                        problems))
                .isNull();
        assertThat(problems)
                .containsExactly(
                        "tenantId=\"contoso.com\" and azure.tenantId=\"fabrikam.com\" differ; keep " + "one of them");
    }

    @Test
    void theCheckCommandsOptionsAreTheCataloguesFlags() {
        assertThat(Settings.withFlag("--client-id")).isSameAs(Settings.CLIENT_ID);
        assertThat(Settings.withFlag("--credential")).isSameAs(Settings.CREDENTIAL_TYPE);
        assertThat(Settings.withFlag("--url")).isNull();
    }

    @Test
    void aBlankTimingIsUnset_butABlankIdentityIsAMistake() {
        assertThat(IdentitySettings.checkOrThrow(new SettingSource(Surface.PLUGIN)
                        .put("tokenFetchTimeout", " ")
                        .put("credential", "")))
                .isEqualTo(IdentitySettings.DEFAULTS);
        List<String> problems = new ArrayList<>();
        assertThat(IdentitySettings.check(
                        new SettingSource(Surface.PLUGIN).put("managedIdentityClientId", " "), problems))
                .isNull();
        assertThat(problems).singleElement().asString().startsWith("managedIdentityClientId is set but empty");
    }
}
