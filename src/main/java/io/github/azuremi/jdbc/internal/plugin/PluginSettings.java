package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.SettingNames;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.config.Settings;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.UnaryOperator;

/**
 * What a driver plugin was told: this library's settings and azure-identity-extensions' {@code azure.*} names (the
 * catalogue, {@link Settings}), read from the properties the driver hands its plugin (the JDBC URL's parameters and the
 * driver properties, merged by the driver), so that a user of azure-identity-extensions (or Spring Cloud Azure's
 * passwordless starters) switches by changing the class name.
 *
 * <p>A thin reader: it picks the plugin settings out of the driver's properties into a {@link SettingSource} and
 * lets {@link IdentitySettings#check} decide. {@link #read} fails with one {@link IllegalArgumentException} naming
 * every setting that is wrong: an {@code azure.*} name this library does not know, a spelling of one of its own names
 * in another case, two names for the same thing with different values, a secret ({@code azure.clientSecret} and the
 * like: this library uses no secrets), a {@code password}, and values that do not parse. Out-of-range timings are not
 * errors: {@link #warnings()} says what was replaced, as for the data source.
 *
 * <p>Immutable; equal settings share one token (see {@link PluginTokens}).
 */
public final class PluginSettings {

    private static final String PASSWORD = "password";
    private static final int READ_MAX = 256;
    private static final ConcurrentMap<Map<String, String>, PluginSettings> READ = new ConcurrentHashMap<>();

    private final IdentitySettings settings;

    private PluginSettings(IdentitySettings settings) {
        this.settings = settings;
    }

    /**
     * Reads the settings among {@code properties} (which may hold anything else the driver was given).
     *
     * @param where where the user wrote them, for messages ("the JDBC URL or driver properties")
     * @throws IllegalArgumentException naming every setting that is wrong and how to fix it
     */
    public static PluginSettings read(Properties properties, String where) {
        return read(properties, where, UnaryOperator.identity());
    }

    /**
     * As {@link #read(Properties, String)}, naming each setting in messages as {@code spelling} spells it (the SQL
     * Server callback's {@code -Dazuremi.tenantId}).
     */
    public static PluginSettings read(Properties properties, String where, UnaryOperator<String> spelling) {
        // every login of a pool brings the same properties: the result is remembered (settings that fail are not).
        // The key is flattened: pgjdbc's properties carry the caller's as defaults, which Properties.equals ignores.
        // The key holds every name but only the values the result depends on: no other property's value (a key-store
        // password, say) is kept here
        Map<String, String> key = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            String value = properties.getProperty(name);
            key.put(
                    name,
                    SettingNames.isPluginSetting(name)
                            ? value
                            : name.equalsIgnoreCase(PASSWORD) && value != null && !value.isEmpty() ? "(set)" : "");
        }
        PluginSettings known = READ.get(key);
        if (known != null) {
            return known;
        }
        PluginSettings settings = parse(properties, where, spelling);
        if (READ.size() >= READ_MAX) {
            READ.clear(); // a bound, not an eviction policy: so many distinct configurations are not expected
        }
        READ.put(key, settings);
        return settings;
    }

    private static PluginSettings parse(Properties properties, String where, UnaryOperator<String> spelling) {
        SettingSource source = new SettingSource(Surface.PLUGIN, spelling);
        List<String> problems = new ArrayList<>();
        for (String name : properties.stringPropertyNames()) {
            String value = properties.getProperty(name);
            if (SettingNames.isPluginSetting(name)) {
                source.put(name, value);
            } else if (name.length() == PASSWORD.length() && name.equalsIgnoreCase(PASSWORD)) {
                if (value != null && !value.isEmpty()) {
                    problems.add(
                            "password is set, but the password of every login is the access token the plugin fetches for "
                                    + "the identity; remove the password");
                }
            } else {
                String problem = SettingNames.unknownNameProblem(name);
                if (problem != null) {
                    problems.add(problem);
                }
            }
        }
        IdentitySettings settings = problems.isEmpty() ? IdentitySettings.check(source, problems) : null;
        if (settings == null) {
            throw new IllegalArgumentException(String.join("; ", problems) + " (in " + where + ")");
        }
        return new PluginSettings(settings);
    }

    public CredentialType credential() {
        return settings.credential();
    }

    /** The user-assigned identity's client id, or null. */
    public String clientId() {
        return settings.clientId();
    }

    public String tenantId() {
        return settings.tenantId();
    }

    /** The scope the user named, or null to derive it from the server's host (and {@link #cloud()}). */
    public String scope() {
        return settings.scope();
    }

    /** The cloud suffix named by {@code azure.authorityHost} ({@code usgovcloudapi.net}...), or null. */
    public String cloud() {
        return settings.cloud();
    }

    /** The timings, checked: out-of-range values already replaced (see {@link #warnings()}). */
    public TokenSettings timings() {
        return settings.timings();
    }

    public boolean allowUnverifiedTransport() {
        return settings.allowUnverifiedTransport();
    }

    /** What {@link TokenSettings#checked} replaced, one line each; logged once per distinct settings. */
    public List<String> warnings() {
        return settings.warnings();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof PluginSettings other && settings.equals(other.settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    @Override
    public String toString() {
        return "PluginSettings[" + settings + ']';
    }
}
