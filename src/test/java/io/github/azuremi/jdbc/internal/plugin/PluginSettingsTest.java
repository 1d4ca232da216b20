package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.login.LoginScope;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a plugin reads from the URL: this library's names, azure-identity-extensions' names, and what fails. */
class PluginSettingsTest {

    static final String ID = "1b2c3d4e-0000-1111-2222-333344445555";

    static PluginSettings read(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return PluginSettings.read(p, "the URL");
    }

    @Test
    void nothingSetMeansDefaultAzureCredentialAndTheDefaultTimings_theDriversOwnPropertiesAreIgnored() {
        PluginSettings s = read("sslmode", "verify-full", "user", "app", "PGHOST", "x", "password", "");
        assertThat(s.credential()).isEqualTo(CredentialType.DEFAULT);
        assertThat(s.clientId()).isNull();
        assertThat(s.tenantId()).isNull();
        assertThat(s.scope()).isNull();
        assertThat(s.cloud()).isNull();
        assertThat(s.timings()).isEqualTo(TokenSettings.DEFAULTS);
        assertThat(s.allowUnverifiedTransport()).isFalse();
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void thisLibrarysNames() {
        PluginSettings s = read(
                "credential",
                "managed-identity",
                "managedIdentityClientId",
                ID,
                "tenantId",
                "contoso.com",
                "tokenScope",
                "https://ossrdbms-aad.database.windows.net/.default",
                "tokenRefreshRatio",
                "0.6",
                "tokenRefreshJitter",
                "0",
                "tokenExpiryMargin",
                "10s",
                "tokenFetchTimeout",
                "5000",
                "tokenRetryBackoff",
                "2s",
                "tokenRetryMaxBackoff",
                "1m",
                "allowUnverifiedTransport",
                "true");
        assertThat(s.credential()).isEqualTo(CredentialType.MANAGED_IDENTITY);
        assertThat(s.clientId()).isEqualTo(ID);
        assertThat(s.tenantId()).isEqualTo("contoso.com");
        assertThat(s.scope()).isEqualTo("https://ossrdbms-aad.database.windows.net/.default");
        assertThat(s.timings())
                .isEqualTo(new TokenSettings(
                        0.6,
                        0,
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(1)));
        assertThat(s.allowUnverifiedTransport()).isTrue();
    }

    @Test
    void azureIdentityExtensionsNames() {
        PluginSettings s = read(
                "azure.managedIdentityEnabled",
                "true",
                "azure.clientId",
                ID,
                "azure.tenantId",
                ID,
                "azure.scopes",
                "https://ossrdbms-aad.database.windows.net/.default",
                "azure.accessTokenTimeoutInSeconds",
                "7",
                "azure.authorityHost",
                "https://login.microsoftonline.us/",
                "azure.tokenCredentialCacheEnabled",
                "false",
                "azure.tokenCredentialBeanName",
                "springCloudAzureDefaultCredential");
        assertThat(s.credential()).isEqualTo(CredentialType.MANAGED_IDENTITY);
        assertThat(s.clientId()).isEqualTo(ID);
        assertThat(s.tenantId()).isEqualTo(ID);
        assertThat(s.scope()).isEqualTo("https://ossrdbms-aad.database.windows.net/.default");
        assertThat(s.timings().fetchTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.cloud()).isEqualTo("usgovcloudapi.net");
        assertThat(read("azure.managedIdentityEnabled", "false").credential()).isEqualTo(CredentialType.DEFAULT);
    }

    @Test
    void bothNamesForOneThingAreFineWhenTheyAgree() {
        assertThat(read("managedIdentityClientId", ID, "azure.clientId", ID.toUpperCase())
                        .clientId())
                .isEqualTo(ID);
        assertThat(read("credential", "managed-identity", "azure.managedIdentityEnabled", "true")
                        .credential())
                .isEqualTo(CredentialType.MANAGED_IDENTITY);
        assertThat(read("tokenFetchTimeout", "5s", "azure.accessTokenTimeoutInSeconds", "5")
                        .timings()
                        .fetchTimeout())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "managedIdentityClientID | " + ID
                        + " | managedIdentityClientID is not a setting: the name is managedIdentityClientId (names are case-sensitive) (in the URL)",
                "azure.clientid | " + ID + " | azure.clientid is not a setting: the name is azure.clientId",
                "azure.clientIdentity | x | azure.clientIdentity is not an azure-identity-extensions setting this library knows; known: azure.clientId,",
                "azure.clientSecret | s3cret | azure.clientSecret is a secret (or a user's password), and this library logs in without secrets",
                "azure.password | s3cret | azure.password is a secret",
                "azure.clientCertificatePath | /x.pem | azure.clientCertificatePath is a secret",
                "azure.claims | {} | azure.claims is not supported by this library's plugins",
                "azure.tokenCredentialProviderClassName | a.B | azure.tokenCredentialProviderClassName is not supported",
                "azure.tokenCredentialBeanName | myCredential | azure.tokenCredentialBeanName=myCredential cannot be honoured",
                "password | s3cret | password is set, but the password of every login is the access token",
                "credential | msi | credential must be one of default, managed-identity, workload-identity, azure-cli, environment, but was \"msi\"",
                "managedIdentityClientId | my-identity | managedIdentityClientId must be the client id",
                "azure.clientId | my-identity | azure.clientId must be the client id",
                "tenantId | not a tenant | tenantId must be a tenant GUID or a domain",
                "azure.scopes | https://ossrdbms-aad.database.windows.net/.default,https://x/.default | azure.scopes names several scopes",
                "azure.authorityHost | https://login.example.com/ | azure.authorityHost \"https://login.example.com/\" is not an authority host this library knows",
                "azure.accessTokenTimeoutInSeconds | 2.5 | azure.accessTokenTimeoutInSeconds must be a whole number of seconds",
                "azure.managedIdentityEnabled | yes | azure.managedIdentityEnabled must be true or false",
                "tokenFetchTimeout | soon | tokenFetchTimeout must be milliseconds",
                "allowUnverifiedTransport | yes | allowUnverifiedTransport must be true or false",
            })
    void aWrongSettingIsAnErrorThatNamesIt(String name, String value, String message) {
        assertThatThrownBy(() -> read(name, value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message.trim())
                .hasMessageContaining("(in the URL)")
                .satisfies(e -> {
                    if (value.contains("s3cret")) {
                        assertThat(e.getMessage())
                                .as("a secret's value is never repeated")
                                .doesNotContain("s3cret");
                    }
                });
    }

    @Test
    void twoNamesThatDisagreeAreAnErrorNamingBoth() {
        assertThatThrownBy(() ->
                        read("managedIdentityClientId", ID, "azure.clientId", "2b2c3d4e-0000-1111-2222-333344445555"))
                .hasMessageContaining("managedIdentityClientId=\"" + ID + "\" and azure.clientId=\"2b2c3d4e")
                .hasMessageContaining("differ");
        assertThatThrownBy(() -> read("credential", "azure-cli", "azure.managedIdentityEnabled", "true"))
                .hasMessageContaining(
                        "azure.managedIdentityEnabled=true and credential=azure-cli contradict each other");
        assertThatThrownBy(() -> read("tokenFetchTimeout", "5s", "azure.accessTokenTimeoutInSeconds", "6"))
                // values are shown as every message shows them: quoted, and only when they cannot be a secret
                .hasMessageContaining("tokenFetchTimeout=\"5s\" and azure.accessTokenTimeoutInSeconds=\"6\" differ");
        assertThatThrownBy(() -> read(
                        "tokenScope",
                        "https://ossrdbms-aad.database.windows.net/.default",
                        "azure.scopes",
                        "https://ossrdbms-aad.database.usgovcloudapi.net/.default"))
                .hasMessageContaining("differ");
    }

    @Test
    void outOfRangeTimingsWarnAndFallBack_asForTheDataSource() {
        PluginSettings s = read("tokenRefreshRatio", "1.5");
        assertThat(s.timings().refreshRatio()).isEqualTo(TokenSettings.DEFAULT_REFRESH_RATIO);
        assertThat(s.warnings())
                .singleElement()
                .asString()
                .contains("tokenRefreshRatio must be greater than 0 and less than 1");
    }

    @Test
    void equalSettingsAreEqual_soTheyShareALease() {
        assertThat(read("managedIdentityClientId", ID))
                .isEqualTo(read("azure.clientId", ID))
                .hasSameHashCodeAs(read("azure.clientId", ID));
        assertThat(read("managedIdentityClientId", ID)).isNotEqualTo(read());
        assertThat(read("managedIdentityClientId", ID).toString()).contains(ID).doesNotContain("password");
    }

    @Test
    void theScopeFollowsTheHost_orTheAuthorityHostsCloud_orTheSettingWhichMustBeADatabaseAudience() {
        assertThat(scope(Dialect.POSTGRESQL, read(), "srv.postgres.database.azure.com"))
                .isEqualTo("https://ossrdbms-aad.database.windows.net/.default");
        assertThat(scope(Dialect.POSTGRESQL, read(), "srv.postgres.database.usgovcloudapi.net"))
                .isEqualTo("https://ossrdbms-aad.database.usgovcloudapi.net/.default");
        assertThat(scope(
                        Dialect.MYSQL,
                        read("azure.authorityHost", "https://login.chinacloudapi.cn/"),
                        "db.internal.example"))
                .isEqualTo("https://ossrdbms-aad.database.chinacloudapi.cn/.default");
        assertThatThrownBy(() -> scope(
                        Dialect.POSTGRESQL,
                        read("azure.authorityHost", "https://login.chinacloudapi.cn/"),
                        "srv.postgres.database.usgovcloudapi.net"))
                .hasMessageContaining("is in another cloud");
        assertThatThrownBy(() ->
                        scope(Dialect.POSTGRESQL, read("tokenScope", "https://management.azure.com/.default"), "srv"))
                .hasMessageContaining("is not a database audience");
        assertThatThrownBy(() ->
                        scope(Dialect.POSTGRESQL, read("tokenScope", "https://database.windows.net/.default"), "srv"))
                .hasMessageContaining("scope of another database service");
    }

    /** The plugins' scope: the login core's one derivation, with the plugins' hint. */
    private static String scope(Dialect dialect, PluginSettings settings, String host) {
        return LoginScope.choose(dialect, settings.scope(), settings.cloud(), host, LoginPlan.PLUGIN_SCOPE_HINT);
    }

    @Test
    void settingsPassedAsTheDriverPropertiesDefaults_asPgjdbcDoes_areReadAndNotConfusedWithOthers() {
        Properties first = new Properties();
        first.setProperty("managedIdentityClientId", ID);
        Properties second = new Properties();
        second.setProperty("managedIdentityClientId", "2b2c3d4e-0000-1111-2222-333344445555");
        Properties urlOfFirst = new Properties(first);
        urlOfFirst.setProperty("PGHOST", "h");
        Properties urlOfSecond = new Properties(second);
        urlOfSecond.setProperty("PGHOST", "h");
        assertThat(PluginSettings.read(urlOfFirst, "x").clientId()).isEqualTo(ID);
        assertThat(PluginSettings.read(urlOfSecond, "x").clientId()).isEqualTo("2b2c3d4e-0000-1111-2222-333344445555");
        assertThat(PluginSettings.read(urlOfFirst, "x"))
                .as("remembered")
                .isSameAs(PluginSettings.read(urlOfFirst, "x"));
    }

    @Test
    void whatIsRememberedDependsOnEveryNameButOnlyOnTheValuesThatMatter() {
        Properties ok = new Properties();
        ok.setProperty("managedIdentityClientId", ID);
        ok.setProperty("sslpassword", "key-store-secret-1");
        PluginSettings first = PluginSettings.read(ok, "x");
        ok.setProperty("sslpassword", "key-store-secret-2");
        assertThat(PluginSettings.read(ok, "x"))
                .as("another driver value, same settings")
                .isSameAs(first);
        ok.setProperty("managedIdentityClientID", ID); // a new name: read again, and refused
        assertThatThrownBy(() -> PluginSettings.read(ok, "x"))
                .hasMessageContaining("managedIdentityClientID is not a setting");
        ok.remove("managedIdentityClientID");
        ok.setProperty("password", "p");
        assertThatThrownBy(() -> PluginSettings.read(ok, "x")).hasMessageContaining("password is set");
    }

    @Test
    void emptyClientIdInTheUrlIsRefused_notReadAsTheSystemAssignedIdentity() {
        // an unset ${AZURE_CLIENT_ID} in a URL template leaves "managedIdentityClientId=": the user meant an identity
        for (String name : new String[] {"managedIdentityClientId", "azure.clientId", "tenantId", "azure.tenantId"}) {
            assertThatThrownBy(() -> read("credential", "managed-identity", name, ""))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name + " is set but empty")
                    .hasMessageContaining("remove " + name);
        }
    }

    @Test
    void aClientSecretPastedIntoAzureClientIdIsNeverQuotedBack() {
        // the shape of an Entra client secret; switching from azure-identity-extensions, it lands in the wrong property
        String secret = "Xk98Q~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z";
        assertThatThrownBy(() -> read("azure.clientId", secret))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("azure.clientId has the shape of a client secret")
                .hasMessageContaining("rotate it")
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain(secret).doesNotContain("Xk98Q"));
        String base64Secret = "q8Fz3LmN0pR5tV7xZ9bD1fH3jK5mP7rT9vX1zB3d";
        assertThatThrownBy(() -> read("tokenFetchTimeout", base64Secret))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenFetchTimeout must be milliseconds")
                .hasMessageContaining("a value of 40 characters (not shown")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(base64Secret));
        assertThatThrownBy(() -> read(
                        "managedIdentityClientId", "2b2c3d4e-0000-1111-2222-333344445555", "azure.clientId", secret))
                .satisfies(e -> assertThat(e.getMessage()).contains("differ").doesNotContain(secret));
    }

    @Test
    void aKeyOfHexDigitsIsNotQuotedBack_aClientIdWithoutItsDashesIsNamedAsSuch() {
        String key = "0123456789abcdef0123456789abcdef"; // 32 hex digits: an API key, or a client id without dashes
        assertThatThrownBy(() -> read("azure.clientId", key))
                .hasMessageContaining("32 hex digits without dashes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key));
        assertThatThrownBy(() -> read("tokenFetchTimeout", key))
                .satisfies(e -> assertThat(e.getMessage()).contains("not shown").doesNotContain(key));
    }
}
