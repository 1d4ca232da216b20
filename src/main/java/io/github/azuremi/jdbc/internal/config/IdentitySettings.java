package io.github.azuremi.jdbc.internal.config;

import static io.github.azuremi.jdbc.internal.config.Settings.AZURE_AUTHORITY_HOST;
import static io.github.azuremi.jdbc.internal.config.Settings.AZURE_CACHE_ENABLED;
import static io.github.azuremi.jdbc.internal.config.Settings.AZURE_CREDENTIAL_BEAN;
import static io.github.azuremi.jdbc.internal.config.Settings.AZURE_MANAGED_IDENTITY_ENABLED;
import static io.github.azuremi.jdbc.internal.config.Settings.CLIENT_ID;
import static io.github.azuremi.jdbc.internal.config.Settings.CREDENTIAL_TYPE;
import static io.github.azuremi.jdbc.internal.config.Settings.EXPIRY_MARGIN;
import static io.github.azuremi.jdbc.internal.config.Settings.FETCH_TIMEOUT;
import static io.github.azuremi.jdbc.internal.config.Settings.REFRESH_JITTER;
import static io.github.azuremi.jdbc.internal.config.Settings.REFRESH_RATIO;
import static io.github.azuremi.jdbc.internal.config.Settings.RETRY_BACKOFF;
import static io.github.azuremi.jdbc.internal.config.Settings.RETRY_MAX_BACKOFF;
import static io.github.azuremi.jdbc.internal.config.Settings.SCOPE;
import static io.github.azuremi.jdbc.internal.config.Settings.TENANT;
import static io.github.azuremi.jdbc.internal.config.Settings.UNVERIFIED_TRANSPORT;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The identity settings of one configuration, resolved and checked: which credential, which identity and tenant, the
 * scope (or null: derived from the server's host, in {@link #cloud()}'s cloud), the timings and the transport opt-in.
 * Built by {@link #check}, the one validation step of every surface. Immutable; equal settings share one token.
 */
public final class IdentitySettings {

    /** Nothing set: DefaultAzureCredential, the default timings. */
    public static final IdentitySettings DEFAULTS = new IdentitySettings(
            CredentialType.DEFAULT, null, null, null, null, TokenSettings.DEFAULTS, false, List.of());

    private final CredentialType credential;
    private final String clientId;
    private final String tenantId;
    private final String scope;
    private final String cloud;
    private final TokenSettings timings;
    private final boolean allowUnverifiedTransport;
    private final List<String> warnings;
    private int hash; // immutable fields: computed once (a benign race, as String's)

    private IdentitySettings(
            CredentialType credential,
            String clientId,
            String tenantId,
            String scope,
            String cloud,
            TokenSettings timings,
            boolean allowUnverifiedTransport,
            List<String> warnings) {
        this.credential = credential;
        this.clientId = clientId;
        this.tenantId = tenantId;
        this.scope = scope;
        this.cloud = cloud;
        this.timings = timings;
        this.allowUnverifiedTransport = allowUnverifiedTransport;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The settings of {@code source}, checked; every problem goes to {@code problems} (naming the setting as the
     * source spells it, and the fix), and then the result is null. Out-of-range timings are not problems: they are
     * replaced by their defaults and described in {@link #warnings()}, as HikariCP treats its numbers.
     */
    public static IdentitySettings check(SettingSource source, List<String> problems) {
        int before = problems.size();
        CredentialType credential = source.value(CREDENTIAL_TYPE, problems);
        Boolean managedIdentity = source.value(AZURE_MANAGED_IDENTITY_ENABLED, problems);
        if (Boolean.TRUE.equals(managedIdentity)) {
            if (credential != null && credential != CredentialType.MANAGED_IDENTITY) {
                problems.add(source.spelt(AZURE_MANAGED_IDENTITY_ENABLED.name()) + "=true and "
                        + source.spelt(CREDENTIAL_TYPE.name()) + "=" + credential.settingValue()
                        + " contradict each other; keep one of them");
            }
            credential = CredentialType.MANAGED_IDENTITY;
        }
        String clientId = source.value(CLIENT_ID, problems);
        String tenantId = source.value(TENANT, problems);
        String scope = source.value(SCOPE, problems);
        String cloud = source.value(AZURE_AUTHORITY_HOST, problems);
        source.value(AZURE_CACHE_ENABLED, problems); // tokens are always cached: only its spelling is checked
        source.value(AZURE_CREDENTIAL_BEAN, problems);
        TokenSettings asked = new TokenSettings(
                or(source.value(REFRESH_RATIO, problems), REFRESH_RATIO),
                or(source.value(REFRESH_JITTER, problems), REFRESH_JITTER),
                or(source.value(EXPIRY_MARGIN, problems), EXPIRY_MARGIN),
                or(source.value(FETCH_TIMEOUT, problems), FETCH_TIMEOUT),
                or(source.value(RETRY_BACKOFF, problems), RETRY_BACKOFF),
                or(source.value(RETRY_MAX_BACKOFF, problems), RETRY_MAX_BACKOFF));
        boolean allow = or(source.value(UNVERIFIED_TRANSPORT, problems), UNVERIFIED_TRANSPORT);
        if (problems.size() > before) {
            return null;
        }
        List<String> warnings = new ArrayList<>(source.notes());
        TokenSettings timings = asked.checked(warnings, source::spelt);
        return new IdentitySettings(
                credential == null ? CredentialType.DEFAULT : credential,
                clientId,
                tenantId,
                scope,
                cloud,
                timings,
                allow,
                warnings);
    }

    /** {@link #check}, or an {@link IllegalArgumentException} whose message lists every problem. */
    public static IdentitySettings checkOrThrow(SettingSource source) {
        List<String> problems = new ArrayList<>();
        IdentitySettings settings = check(source, problems);
        if (settings == null) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return settings;
    }

    private static <T> T or(T value, Setting<T> setting) {
        return value != null ? value : setting.defaultValue();
    }

    public CredentialType credential() {
        return credential;
    }

    /** The user-assigned identity's client id (trimmed), or null. */
    public String clientId() {
        return clientId;
    }

    /** The tenant (trimmed), or null. */
    public String tenantId() {
        return tenantId;
    }

    /** The scope the user named, or null to derive it from the server's host (and {@link #cloud()}). */
    public String scope() {
        return scope;
    }

    /** The cloud suffix named by {@code azure.authorityHost} ({@code usgovcloudapi.net}...), or null. */
    public String cloud() {
        return cloud;
    }

    /** The timings, checked: out-of-range values already replaced (see {@link #warnings()}). */
    public TokenSettings timings() {
        return timings;
    }

    public Duration fetchTimeout() {
        return timings.fetchTimeout();
    }

    public boolean allowUnverifiedTransport() {
        return allowUnverifiedTransport;
    }

    /** What {@link TokenSettings#checked} replaced, one line each. */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public boolean equals(Object o) {
        return o == this
                || o instanceof IdentitySettings other
                        && credential == other.credential
                        && Objects.equals(clientId, other.clientId)
                        && Objects.equals(tenantId, other.tenantId)
                        && Objects.equals(scope, other.scope)
                        && Objects.equals(cloud, other.cloud)
                        && timings.equals(other.timings)
                        && allowUnverifiedTransport == other.allowUnverifiedTransport;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Objects.hash(credential, clientId, tenantId, scope, cloud, timings, allowUnverifiedTransport);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return "credential=" + credential.settingValue() + (clientId == null ? "" : ", clientId=" + clientId)
                + (tenantId == null ? "" : ", tenantId=" + tenantId) + (scope == null ? "" : ", scope=" + scope)
                + (cloud == null ? "" : ", cloud=" + cloud) + ", " + timings
                + (allowUnverifiedTransport ? ", allowUnverifiedTransport" : "");
    }
}
