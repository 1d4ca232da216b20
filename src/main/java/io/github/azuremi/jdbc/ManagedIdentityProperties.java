package io.github.azuremi.jdbc;

import com.zaxxer.hikari.util.PropertyElf;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.Setting;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.config.Settings;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The names of the settings this library adds to HikariCP's (declared, with their defaults, aliases and bounds, in
 * the internal settings catalogue). Each is a bean property of
 * {@link ManagedIdentityDataSource} and a key of its {@code Properties} constructor (and, later, an
 * attribute of the JNDI resource). Durations are milliseconds, as in HikariCP; a {@code Properties} value
 * may also be written with a unit, e.g. {@code 30s} or {@code 2m}.
 */
public final class ManagedIdentityProperties {

    /** Which azure-identity credential: {@code default}, {@code managed-identity}, {@code workload-identity}, {@code azure-cli}, {@code environment}. */
    public static final String CREDENTIAL = "credential";
    /** Client id of a user-assigned managed identity (a GUID). */
    public static final String MANAGED_IDENTITY_CLIENT_ID = "managedIdentityClientId";
    /** Entra tenant id, for credentials that take one. */
    public static final String TENANT_ID = "tenantId";
    /** The scope tokens are requested for; derived from the JDBC URL when unset. */
    public static final String TOKEN_SCOPE = "tokenScope";
    /** Share of a token's lifetime after which it is refreshed ({@code 0 < r < 1}; default 0.5). */
    public static final String TOKEN_REFRESH_RATIO = "tokenRefreshRatio";
    /** Random delay added to the refresh point, as a share of the time left until expiry (0..0.5; default 0.1). */
    public static final String TOKEN_REFRESH_JITTER = "tokenRefreshJitter";
    /** A token is no longer used this long before it expires (ms; default 30000; at most a tenth of its lifetime). */
    public static final String TOKEN_EXPIRY_MARGIN = "tokenExpiryMargin";
    /** The longest one token request may take (ms; default 20000). */
    public static final String TOKEN_FETCH_TIMEOUT = "tokenFetchTimeout";
    /** Wait after the first failed token request; doubles per failure (ms; default 1000). */
    public static final String TOKEN_RETRY_BACKOFF = "tokenRetryBackoff";
    /** Longest wait between failed token requests (ms; default 30000). */
    public static final String TOKEN_RETRY_MAX_BACKOFF = "tokenRetryMaxBackoff";

    /**
     * true allows a token to a non-loopback server over a connection without TLS or with TLS that does not verify the
     * server, and a driver other than the database's own (default false).
     */
    public static final String ALLOW_UNVERIFIED_TRANSPORT = "allowUnverifiedTransport";

    /** @deprecated the former name of {@link #ALLOW_UNVERIFIED_TRANSPORT} (still accepted, with a warning). */
    @Deprecated
    public static final String ALLOW_TOKEN_WITHOUT_TLS = "allowTokenWithoutTls";

    /** All of the above (the settings that can be given as text; the catalogue lists them). */
    public static final Set<String> ALL = Settings.on(Surface.DATA_SOURCE).stream()
            .filter(Setting::settableFromText)
            .map(Setting::name)
            .collect(Collectors.toUnmodifiableSet());

    private ManagedIdentityProperties() {}

    /**
     * Applies {@code properties} to {@code target}: this library's keys by their setters (with messages
     * that name the key when a value does not parse), everything else as HikariCP does it (bean setters,
     * {@code dataSource.*} keys become driver properties; an unknown key is an error).
     */
    static void apply(ManagedIdentityDataSource target, Properties properties) {
        Properties hikari = new Properties();
        java.util.Map<String, Object> all = new java.util.LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) { // includes defaults
            all.put(name, properties.getProperty(name));
        }
        for (java.util.Map.Entry<Object, Object> e : properties.entrySet()) { // and values that are not strings
            if (!(e.getKey() instanceof String name)) {
                throw new IllegalArgumentException("Properties key " + e.getKey() + " (a "
                        + e.getKey().getClass().getName()
                        + ") is not a String: every setting is named by a String key");
            }
            all.put(name, e.getValue());
        }
        refuseDisagreeingFormerNames(all);
        for (java.util.Map.Entry<String, Object> e : all.entrySet()) {
            Setting<?> setting = Settings.named(e.getKey(), Surface.DATA_SOURCE);
            if (setting != null && setting.settableFromText()) {
                setting.applyText(
                        target, e.getKey(), e.getKey(), e.getValue() == null ? null : String.valueOf(e.getValue()));
            } else {
                refuseOtherCase(e.getKey());
                // HikariCP's keys as HikariConfig(Properties) takes them: any value type (converted by PropertyElf),
                // dataSource.* as driver properties, an unknown key is an error
                hikari.put(e.getKey(), e.getValue());
            }
        }
        PropertyElf.setTargetFromProperties(target, hikari);
    }

    /**
     * HikariCP's PropertyElf finds {@code setAllowUnverifiedTransport} for {@code AllowUnverifiedTransport} too, past
     * this library's checks: another case of one of its names is refused, as the driver plugins refuse it.
     */
    private static void refuseOtherCase(String key) {
        for (Setting<?> setting : Settings.on(Surface.DATA_SOURCE)) {
            for (String name : setting.formerName() == null
                    ? java.util.List.of(setting.name())
                    : java.util.List.of(setting.name(), setting.formerName())) {
                if (key.equalsIgnoreCase(name) && !key.equals(name)) {
                    throw new IllegalArgumentException(
                            key + " is not a setting: the name is " + name + " (names are case-sensitive)");
                }
            }
        }
    }

    /**
     * A setting given under its name and its former name with different values is refused, as on the other surfaces:
     * applied one after the other, the winner would be whichever a hash set yields last.
     */
    private static void refuseDisagreeingFormerNames(java.util.Map<String, Object> all) {
        for (Setting<?> setting : Settings.on(Surface.DATA_SOURCE)) {
            String former = setting.formerName();
            if (former != null && all.get(former) != null && all.get(setting.name()) != null) {
                SettingSource pair = new SettingSource(Surface.DATA_SOURCE)
                        .put(setting.name(), String.valueOf(all.get(setting.name())))
                        .put(former, String.valueOf(all.get(former)));
                IdentitySettings.checkOrThrow(pair);
            }
        }
    }
}
