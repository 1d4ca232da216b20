package io.github.azuremi.jdbc.internal.config;

import static io.github.azuremi.jdbc.ManagedIdentityProperties.ALLOW_UNVERIFIED_TRANSPORT;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.CREDENTIAL;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.MANAGED_IDENTITY_CLIENT_ID;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TENANT_ID;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_EXPIRY_MARGIN;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_FETCH_TIMEOUT;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_REFRESH_JITTER;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_REFRESH_RATIO;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_RETRY_BACKOFF;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_RETRY_MAX_BACKOFF;
import static io.github.azuremi.jdbc.ManagedIdentityProperties.TOKEN_SCOPE;
import static io.github.azuremi.jdbc.internal.config.Setting.Surface.CLI;
import static io.github.azuremi.jdbc.internal.config.Setting.Surface.DATA_SOURCE;
import static io.github.azuremi.jdbc.internal.config.Setting.Surface.PLUGIN;
import static io.github.azuremi.jdbc.internal.config.Setting.Surface.SPRING;

import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The catalogue: every setting of this library, each declared once (see {@link Setting}). The timing defaults and
 * bounds are {@link TokenSettings}'s, which enforces them; the reasons for them are given here.
 */
public final class Settings {

    /** Spring Boot's prefix of this library's properties. */
    public static final String SPRING_PREFIX = "spring.datasource.azure-managed-identity";

    private static final String MAX = TokenSettings.MAX_DURATION.toMinutes() + " min";

    public static final Setting<CredentialType> CREDENTIAL_TYPE = Setting.of(CREDENTIAL, CredentialType.class)
            .byDefault(CredentialType.DEFAULT, "`" + CredentialType.DEFAULT.settingValue() + "`")
            .doc("Which azure-identity credential fetches tokens: " + credentialValues())
            .on(DATA_SOURCE, SPRING, PLUGIN, CLI)
            .cli("--credential")
            .parser(Settings::credential)
            .bean(ManagedIdentityDataSource::getCredential, ManagedIdentityDataSource::setCredential, String.class)
            .build();

    public static final Setting<String> CLIENT_ID = Setting.of(MANAGED_IDENTITY_CLIENT_ID, String.class)
            .doc("Client id (a GUID) of a user-assigned managed identity; unset for the system-assigned one")
            .on(DATA_SOURCE, SPRING, PLUGIN, CLI)
            .cli("--client-id")
            .alias("azure.clientId")
            .blankIsAMistake()
            .parser(Settings::trimmed)
            .check(SettingValues::clientIdProblem)
            .bean(
                    ManagedIdentityDataSource::getManagedIdentityClientId,
                    ManagedIdentityDataSource::setManagedIdentityClientId,
                    String.class)
            .build();

    public static final Setting<String> TENANT = Setting.of(TENANT_ID, String.class)
            .doc("Entra tenant (a GUID or a domain), for the credentials that take one")
            .on(DATA_SOURCE, SPRING, PLUGIN, CLI)
            .cli("--tenant-id")
            .alias("azure.tenantId")
            .blankIsAMistake()
            .parser(Settings::trimmed)
            .check(SettingValues::tenantIdProblem)
            .bean(ManagedIdentityDataSource::getTenantId, ManagedIdentityDataSource::setTenantId, String.class)
            .build();

    public static final Setting<String> SCOPE = Setting.of(TOKEN_SCOPE, String.class)
            .defaultText("from the URL")
            .doc("The scope tokens are requested for; derived from the JDBC URL's host (and its cloud) when unset")
            .on(DATA_SOURCE, SPRING, PLUGIN, CLI)
            .cli("--scope")
            .alias("azure.scopes")
            .parser(Settings::trimmed)
            .check(Settings::oneScope)
            .bean(ManagedIdentityDataSource::getTokenScope, ManagedIdentityDataSource::setTokenScope, String.class)
            .build();

    public static final Setting<TokenCredential> TOKEN_CREDENTIAL = Setting.of("tokenCredential", TokenCredential.class)
            .doc(
                    "Programmatic only: any azure-core TokenCredential; replaces credential, managedIdentityClientId and tenantId")
            .on(DATA_SOURCE)
            .parser((spelt, text) -> {
                throw new IllegalArgumentException(spelt + " can only be set in code (setTokenCredential)");
            })
            .build();

    public static final Setting<Double> REFRESH_RATIO = Setting.of(TOKEN_REFRESH_RATIO, Double.class)
            .byDefault(TokenSettings.DEFAULT_REFRESH_RATIO, "`" + TokenSettings.DEFAULT_REFRESH_RATIO + "`")
            .because(
                    "half the lifetime, as the Cloud SQL connector and MSAL: half is left to ride out an outage of the "
                            + "identity endpoint")
            .bounds("greater than 0 and less than 1")
            .doc("Share of a token's lifetime after which it is refreshed")
            .on(DATA_SOURCE, SPRING, PLUGIN)
            .parser(SettingValues::parseDouble)
            .bean(
                    ManagedIdentityDataSource::getTokenRefreshRatio,
                    ManagedIdentityDataSource::setTokenRefreshRatio,
                    Double.class)
            .build();

    public static final Setting<Double> REFRESH_JITTER = Setting.of(TOKEN_REFRESH_JITTER, Double.class)
            .byDefault(TokenSettings.DEFAULT_REFRESH_JITTER, "`" + TokenSettings.DEFAULT_REFRESH_JITTER + "`")
            .because("a fleet started together does not refresh in lockstep")
            .bounds("0 to 0.5")
            .doc("Random delay of the refresh, as a share of the time left until expiry")
            .on(DATA_SOURCE, SPRING, PLUGIN)
            .parser(SettingValues::parseDouble)
            .bean(
                    ManagedIdentityDataSource::getTokenRefreshJitter,
                    ManagedIdentityDataSource::setTokenRefreshJitter,
                    Double.class)
            .build();

    public static final Setting<Duration> EXPIRY_MARGIN = millis(
                    TOKEN_EXPIRY_MARGIN, TokenSettings.DEFAULT_EXPIRY_MARGIN)
            .because("a login that starts with the token finishes before it expires")
            .bounds("0 to " + MAX + " (at most a tenth of the token's lifetime)")
            .doc("A token is no longer handed to a login this long before it expires")
            .beanMillis(
                    ManagedIdentityDataSource::getTokenExpiryMargin, ManagedIdentityDataSource::setTokenExpiryMargin)
            .build();

    public static final Setting<Duration> FETCH_TIMEOUT = millis(
                    TOKEN_FETCH_TIMEOUT, TokenSettings.DEFAULT_FETCH_TIMEOUT)
            .because("IMDS answers in well under a second, but is slow on a cold host")
            .bounds(TokenSettings.MIN_FETCH_TIMEOUT.toMillis() + " ms to " + MAX)
            .doc("The longest one token request may take before it counts as failed")
            .alias("azure.accessTokenTimeoutInSeconds", Settings::seconds)
            .beanMillis(
                    ManagedIdentityDataSource::getTokenFetchTimeout, ManagedIdentityDataSource::setTokenFetchTimeout)
            .build();

    public static final Setting<Duration> RETRY_BACKOFF = millis(
                    TOKEN_RETRY_BACKOFF, TokenSettings.DEFAULT_RETRY_BACKOFF)
            .because("a failed request is retried soon, then less and less often")
            .bounds("positive, at most " + MAX)
            .doc("Wait after the first failed token request; doubles per failure")
            .beanMillis(
                    ManagedIdentityDataSource::getTokenRetryBackoff, ManagedIdentityDataSource::setTokenRetryBackoff)
            .build();

    public static final Setting<Duration> RETRY_MAX_BACKOFF = millis(
                    TOKEN_RETRY_MAX_BACKOFF, TokenSettings.DEFAULT_RETRY_MAX_BACKOFF)
            .because("azure-core's token cache spaces its failed refreshes about 30 s apart")
            .bounds("at least tokenRetryBackoff, at most " + MAX)
            .doc("Longest wait between failed token requests")
            .beanMillis(
                    ManagedIdentityDataSource::getTokenRetryMaxBackoff,
                    ManagedIdentityDataSource::setTokenRetryMaxBackoff)
            .build();

    public static final Setting<Boolean> UNVERIFIED_TRANSPORT = Setting.of(ALLOW_UNVERIFIED_TRANSPORT, Boolean.class)
            .byDefault(false, "`false`")
            .formerly("allowTokenWithoutTls") // it covers TLS that verifies nothing too, not only "without TLS"
            .because("a token goes only to a server whose certificate was verified")
            .doc("Allows the token over a connection without TLS, or with TLS that does not verify the server, and a "
                    + "driver other than the database's own; only for a network you trust")
            .on(DATA_SOURCE, SPRING, PLUGIN)
            .parser(SettingValues::parseBoolean)
            .bean(
                    ManagedIdentityDataSource::isAllowUnverifiedTransport,
                    ManagedIdentityDataSource::setAllowUnverifiedTransport,
                    Boolean.class)
            .build();

    /** Spring Boot's switch of the auto-configuration (bound by ManagedIdentityDataSourceProperties). */
    public static final Setting<Boolean> SPRING_ENABLED = Setting.of("enabled", Boolean.class)
            .byDefault(false, "`false`")
            .doc("Whether the application's DataSource is a ManagedIdentityDataSource (needs spring.datasource.url)")
            .on(SPRING)
            .parser(SettingValues::parseBoolean)
            .build();

    // azure-identity-extensions' names (its AuthProperty) that are not another name of one of the above

    public static final Setting<Boolean> AZURE_MANAGED_IDENTITY_ENABLED = Setting.of(
                    "azure.managedIdentityEnabled", Boolean.class)
            .byDefault(false, "`false`")
            .doc("true means credential=managed-identity")
            .on(PLUGIN)
            .parser(SettingValues::parseBoolean)
            .build();

    public static final Setting<String> AZURE_AUTHORITY_HOST = Setting.of("azure.authorityHost", String.class)
            .doc("The authority host; names the cloud of the scope derived from the host")
            .on(PLUGIN)
            .parser(Settings::cloudOfAuthority)
            .build();

    public static final Setting<Boolean> AZURE_CACHE_ENABLED = Setting.of(
                    "azure.tokenCredentialCacheEnabled", Boolean.class)
            .byDefault(true, "`true`")
            .doc("Accepted and ignored: tokens are always cached")
            .on(PLUGIN)
            .parser(SettingValues::parseBoolean)
            .build();

    public static final Setting<String> AZURE_CREDENTIAL_BEAN = Setting.of(
                    "azure.tokenCredentialBeanName", String.class)
            .byDefault(Settings.AZURE_DEFAULT_CREDENTIAL_BEAN, "`" + Settings.AZURE_DEFAULT_CREDENTIAL_BEAN + "`")
            .doc("Accepted only with its default value: the plugins do not see the Spring context")
            .on(PLUGIN)
            .parser(Settings::trimmed)
            .check(Settings::defaultBeanOnly)
            .build();

    static final String AZURE_DEFAULT_CREDENTIAL_BEAN = "springCloudAzureDefaultCredential";

    /** Every setting, in the order of README's table. */
    public static final List<Setting<?>> ALL = List.of(
            CREDENTIAL_TYPE,
            CLIENT_ID,
            TENANT,
            TOKEN_CREDENTIAL,
            SCOPE,
            REFRESH_RATIO,
            REFRESH_JITTER,
            EXPIRY_MARGIN,
            FETCH_TIMEOUT,
            RETRY_BACKOFF,
            RETRY_MAX_BACKOFF,
            UNVERIFIED_TRANSPORT,
            SPRING_ENABLED,
            AZURE_MANAGED_IDENTITY_ENABLED,
            AZURE_AUTHORITY_HOST,
            AZURE_CACHE_ENABLED,
            AZURE_CREDENTIAL_BEAN);

    /** Authority hosts (azure.authorityHost) and the cloud suffix of their database audiences. */
    static final Map<String, String> AUTHORITY_CLOUDS = Map.of(
            "login.microsoftonline.com", "windows.net",
            "login.microsoftonline.us", "usgovcloudapi.net",
            "login.chinacloudapi.cn", "chinacloudapi.cn",
            "login.microsoftonline.de", "cloudapi.de");

    private static final Map<String, Setting<?>> BY_NAME = new LinkedHashMap<>();

    static {
        for (Setting<?> s : ALL) {
            BY_NAME.put(s.name(), s);
            s.aliases().forEach(a -> BY_NAME.put(a.name(), s));
            if (s.formerName() != null) {
                BY_NAME.put(s.formerName(), s);
            }
        }
    }

    private Settings() {}

    /** The setting named {@code name} (its name or an alias) on {@code surface}, or null. */
    public static Setting<?> named(String name, Surface surface) {
        Setting<?> s = BY_NAME.get(name);
        if (s == null
                || !s.acceptedOn(surface)
                || surface != PLUGIN && !s.name().equals(name) && !name.equals(s.formerName())) {
            return null; // azure.* aliases are the plugins' (azure-identity-extensions is a plugin too)
        }
        return s;
    }

    /** The setting whose {@code check} option is {@code flag}, or null. */
    public static Setting<?> withFlag(String flag) {
        return ALL.stream().filter(s -> flag.equals(s.cliFlag())).findFirst().orElse(null);
    }

    /** The settings a surface accepts. */
    public static List<Setting<?>> on(Surface surface) {
        return ALL.stream().filter(s -> s.acceptedOn(surface)).collect(Collectors.toList());
    }

    private static Setting.Builder<Duration> millis(String name, Duration byDefault) {
        return Setting.of(name, Duration.class)
                .byDefault(byDefault, "`" + byDefault.toMillis() + "` ms")
                .on(DATA_SOURCE, SPRING, PLUGIN)
                .parser((spelt, text) -> Duration.ofMillis(SettingValues.parseMillis(spelt, text)));
    }

    static String credentialValues() {
        return Arrays.stream(CredentialType.values())
                .map(CredentialType::settingValue)
                .collect(Collectors.joining(", "));
    }

    private static CredentialType credential(String spelt, String text) {
        CredentialType type = CredentialType.fromSetting(text.trim());
        if (type == null) {
            throw new IllegalArgumentException(
                    spelt + " must be one of " + credentialValues() + ", but was " + SettingValues.shown(text));
        }
        return type;
    }

    private static String trimmed(String spelt, String text) {
        return text.trim();
    }

    private static Duration seconds(String spelt, String text) {
        try {
            return Duration.ofSeconds(Long.parseLong(text.trim()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    spelt + " must be a whole number of seconds, was " + SettingValues.shown(text), e);
        }
    }

    private static String oneScope(String spelt, String scope) {
        return !scope.contains(",")
                ? null
                : spelt + " names several scopes (" + SettingValues.shown(scope) + "); a "
                        + "database login takes one: leave it unset (the scope follows from the server's host) or name one";
    }

    private static String cloudOfAuthority(String spelt, String authority) {
        String host = authority
                .trim()
                .toLowerCase(Locale.ROOT)
                .replaceFirst("^https://", "")
                .replaceAll("/+$", "");
        String cloud = AUTHORITY_CLOUDS.get(host);
        if (cloud == null) {
            throw new IllegalArgumentException(
                    spelt + " " + SettingValues.shown(authority) + " is not an authority host this "
                            + "library knows ("
                            + AUTHORITY_CLOUDS.keySet().stream()
                                    .sorted()
                                    .map(h -> "https://" + h + "/")
                                    .collect(Collectors.joining(", "))
                            + "); remove it or set tokenScope");
        }
        return cloud;
    }

    private static String defaultBeanOnly(String spelt, String bean) {
        String shown = SettingValues.shown(bean);
        return bean.equals(AZURE_DEFAULT_CREDENTIAL_BEAN)
                ? null
                : spelt + "=" + (shown.startsWith("\"") ? bean : shown)
                        + " cannot be "
                        + "honoured: the plugins do not see the Spring context. Remove it and name the identity with "
                        + "managedIdentityClientId (or use ManagedIdentityDataSource with setTokenCredential)";
    }
}
