package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.ManagedIdentityProperties;
import io.github.azuremi.jdbc.internal.config.SettingValues;
import io.github.azuremi.jdbc.internal.token.TokenSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * What a driver plugin was told: this library's settings (the names of {@link ManagedIdentityProperties}) and
 * azure-identity-extensions' {@code azure.*} names, read from the properties the driver hands its plugin (the JDBC
 * URL's parameters and the driver properties, merged by the driver), so that a user of azure-identity-extensions
 * (or Spring Cloud Azure's passwordless starters) switches by changing the class name.
 *
 * <p>{@link #read} fails with one {@link IllegalArgumentException} naming the settings for: an {@code azure.*} name
 * this library does not know, a spelling of one of its own names in another case (drivers pass unknown names on
 * silently, so a typo would otherwise be ignored), two names for the same thing with different values, a secret
 * ({@code azure.clientSecret} and the like: this library uses no secrets), and values that do not parse.
 * Out-of-range timings are not errors: {@link #warnings()} says what was replaced, as for the data source.
 *
 * <p>Immutable; equal settings share one token (see {@link PluginTokens}).
 */
public final class PluginSettings {

  /** azure-identity-extensions' names (its AuthProperty), and what each maps to. */
  static final String AZURE_CLIENT_ID = "azure.clientId";
  static final String AZURE_MANAGED_IDENTITY_ENABLED = "azure.managedIdentityEnabled";
  static final String AZURE_TENANT_ID = "azure.tenantId";
  static final String AZURE_SCOPES = "azure.scopes";
  static final String AZURE_AUTHORITY_HOST = "azure.authorityHost";
  static final String AZURE_TOKEN_TIMEOUT = "azure.accessTokenTimeoutInSeconds";
  static final String AZURE_CACHE_ENABLED = "azure.tokenCredentialCacheEnabled";
  static final String AZURE_CREDENTIAL_BEAN = "azure.tokenCredentialBeanName";
  static final String AZURE_DEFAULT_CREDENTIAL_BEAN = "springCloudAzureDefaultCredential";
  /** Names of azure-identity-extensions that carry a secret or a way of login this library does not offer. */
  static final List<String> AZURE_REFUSED = List.of("azure.clientSecret", "azure.clientCertificatePath",
      "azure.clientCertificatePassword", "azure.username", "azure.password");
  static final List<String> AZURE_UNSUPPORTED = List.of("azure.claims", "azure.tokenCredentialProviderClassName");
  static final List<String> AZURE_KNOWN = List.of(AZURE_CLIENT_ID, AZURE_MANAGED_IDENTITY_ENABLED, AZURE_TENANT_ID,
      AZURE_SCOPES, AZURE_AUTHORITY_HOST, AZURE_TOKEN_TIMEOUT, AZURE_CACHE_ENABLED, AZURE_CREDENTIAL_BEAN);

  /** Authority hosts (azure.authorityHost) and the cloud suffix of their database audiences. */
  static final Map<String, String> AUTHORITY_CLOUDS = Map.of(
      "login.microsoftonline.com", "windows.net",
      "login.microsoftonline.us", "usgovcloudapi.net",
      "login.chinacloudapi.cn", "chinacloudapi.cn",
      "login.microsoftonline.de", "cloudapi.de");

  private final CredentialType credential;
  private final String clientId;
  private final String tenantId;
  private final String scope;
  private final String cloud;
  private final TokenSettings timings;
  private final boolean allowTokenWithoutTls;
  private final List<String> warnings;

  private PluginSettings(CredentialType credential, String clientId, String tenantId, String scope, String cloud,
                         TokenSettings timings, boolean allowTokenWithoutTls, List<String> warnings) {
    this.credential = credential;
    this.clientId = clientId;
    this.tenantId = tenantId;
    this.scope = scope;
    this.cloud = cloud;
    this.timings = timings;
    this.allowTokenWithoutTls = allowTokenWithoutTls;
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Reads the settings among {@code properties} (which may hold anything else the driver was given).
   *
   * @param where where the user wrote them, for messages ("the JDBC URL or driver properties")
   * @throws IllegalArgumentException naming every setting that is wrong and how to fix it
   */
  public static PluginSettings read(Properties properties, String where) {
    // every login of a pool brings the same properties: the result is remembered (settings that fail are not).
    // The key is flattened: pgjdbc's properties carry the caller's as defaults, which Properties.equals ignores
    // The key holds every name but only the values the result depends on: no other property's value (a key-store
    // password, say) is kept here
    Map<String, String> key = new java.util.HashMap<>();
    for (String name : properties.stringPropertyNames()) {
      String value = properties.getProperty(name);
      key.put(name, EXACT_NAMES.contains(name) ? value
          : name.equalsIgnoreCase(PASSWORD) && value != null && !value.isEmpty() ? "(set)" : "");
    }
    PluginSettings known = READ.get(key);
    if (known != null) {
      return known;
    }
    PluginSettings settings = parse(properties, where);
    if (READ.size() >= READ_MAX) {
      READ.clear(); // a bound, not an eviction policy: so many distinct configurations are not expected
    }
    READ.put(key, settings);
    return settings;
  }

  private static final int READ_MAX = 256;
  private static final java.util.concurrent.ConcurrentMap<Map<String, String>, PluginSettings> READ =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static PluginSettings parse(Properties properties, String where) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    // Connector/J hands over all of its ~175 properties: a name is looked at closely only when it may be ours
    for (String name : properties.stringPropertyNames()) {
      if (EXACT_NAMES.contains(name)) {
        String value = properties.getProperty(name);
        if (value != null && !value.isBlank()) {
          values.put(name, value.trim());
        } else if (value != null && IDENTITY_NAMES.contains(name)) {
          values.put(name, ""); // an unset ${VAR} must not silently mean the system-assigned identity
        }
      } else if (name.length() == PASSWORD.length() && name.equalsIgnoreCase(PASSWORD)) {
        String value = properties.getProperty(name);
        if (value != null && !value.isEmpty()) {
          problems.add("password is set, but the password of every login is the access token the plugin fetches for "
              + "the identity; remove the password");
        }
      } else if (name.regionMatches(true, 0, "azure.", 0, 6) || NAME_LENGTHS.contains(name.length())) {
        String problem = unknownNameProblem(name);
        if (problem != null) {
          problems.add(problem);
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems) + " (in " + where + ")");
    }
    try {
      return fromValues(values);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (in " + where + ")", e);
    }
  }

  private static final String PASSWORD = "password";
  /** The settings that name an identity: empty is refused, not read as "none". */
  private static final java.util.Set<String> IDENTITY_NAMES = java.util.Set.of(
      ManagedIdentityProperties.MANAGED_IDENTITY_CLIENT_ID, ManagedIdentityProperties.TENANT_ID, AZURE_CLIENT_ID, AZURE_TENANT_ID);
  private static final java.util.Set<String> EXACT_NAMES = new java.util.HashSet<>();
  /** Lengths of this library's names: a name of another length cannot be a misspelling of one of them. */
  private static final java.util.Set<Integer> NAME_LENGTHS = new java.util.HashSet<>();

  static {
    EXACT_NAMES.addAll(ManagedIdentityProperties.ALL);
    EXACT_NAMES.addAll(AZURE_KNOWN);
    ManagedIdentityProperties.ALL.forEach(n -> NAME_LENGTHS.add(n.length()));
  }

  /** Null for a name that is none of ours (the driver's own, say); else why it is wrong. */
  private static String unknownNameProblem(String name) {
    for (String ours : ManagedIdentityProperties.ALL) {
      if (name.equalsIgnoreCase(ours)) {
        return name + " is not a setting: the name is " + ours + " (names are case-sensitive)";
      }
    }
    if (!name.regionMatches(true, 0, "azure.", 0, 6)) {
      return null;
    }
    for (String azure : AZURE_REFUSED) {
      if (name.equalsIgnoreCase(azure)) {
        return name + " is a secret (or a user's password), and this library logs in without secrets: use the "
            + "application's managed identity (credential=managed-identity, managedIdentityClientId for a "
            + "user-assigned one) or workload identity; for a service principal, credential=environment reads "
            + "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET from the environment. Remove " + name;
      }
    }
    for (String azure : AZURE_UNSUPPORTED) {
      if (name.equalsIgnoreCase(azure)) {
        return name + " is not supported by this library's plugins; remove it (for a credential of your own, "
            + "use ManagedIdentityDataSource.setTokenCredential)";
      }
    }
    for (String azure : AZURE_KNOWN) {
      if (name.equalsIgnoreCase(azure)) {
        return name + " is not a setting: the name is " + azure + " (names are case-sensitive)";
      }
    }
    return name + " is not an azure-identity-extensions setting this library knows; known: "
        + String.join(", ", AZURE_KNOWN) + " (and this library's own: " + String.join(", ", sortedOwnNames()) + ")";
  }

  private static List<String> sortedOwnNames() {
    return ManagedIdentityProperties.ALL.stream().sorted().collect(Collectors.toList());
  }

  private static PluginSettings fromValues(Map<String, String> v) {
    String credentialText = v.get(ManagedIdentityProperties.CREDENTIAL);
    CredentialType credential = CredentialType.DEFAULT;
    if (credentialText != null) {
      credential = CredentialType.fromSetting(credentialText);
      if (credential == null) {
        throw new IllegalArgumentException("credential must be one of " + Arrays.stream(CredentialType.values())
            .map(CredentialType::settingValue).collect(Collectors.joining(", ")) + ", but was "
            + SettingValues.shown(credentialText));
      }
    }
    String managedIdentity = v.get(AZURE_MANAGED_IDENTITY_ENABLED);
    if (managedIdentity != null && SettingValues.parseBoolean(AZURE_MANAGED_IDENTITY_ENABLED, managedIdentity)) {
      if (credentialText != null && credential != CredentialType.MANAGED_IDENTITY) {
        throw new IllegalArgumentException("azure.managedIdentityEnabled=true and credential=" + credentialText
            + " contradict each other; keep one of them");
      }
      credential = CredentialType.MANAGED_IDENTITY;
    }

    String clientId = same(v, ManagedIdentityProperties.MANAGED_IDENTITY_CLIENT_ID, AZURE_CLIENT_ID);
    if (clientId != null) {
      String problem = SettingValues.clientIdProblem(
          v.containsKey(AZURE_CLIENT_ID) ? AZURE_CLIENT_ID : ManagedIdentityProperties.MANAGED_IDENTITY_CLIENT_ID, clientId);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    String tenantId = same(v, ManagedIdentityProperties.TENANT_ID, AZURE_TENANT_ID);
    if (tenantId != null) {
      String problem = SettingValues.tenantIdProblem(
          v.containsKey(AZURE_TENANT_ID) ? AZURE_TENANT_ID : ManagedIdentityProperties.TENANT_ID, tenantId);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    String scopes = v.get(AZURE_SCOPES);
    if (scopes != null && scopes.contains(",")) {
      throw new IllegalArgumentException("azure.scopes names several scopes (" + SettingValues.shown(scopes) + "); a database login takes "
          + "one: leave it unset (the scope follows from the server's host) or name one");
    }
    String scope = same(v, ManagedIdentityProperties.TOKEN_SCOPE, AZURE_SCOPES);

    String cloud = null;
    String authority = v.get(AZURE_AUTHORITY_HOST);
    if (authority != null) {
      String host = authority.toLowerCase(Locale.ROOT).replaceFirst("^https://", "").replaceAll("/+$", "");
      cloud = AUTHORITY_CLOUDS.get(host);
      if (cloud == null) {
        throw new IllegalArgumentException("azure.authorityHost " + SettingValues.shown(authority) + " is not an authority host this "
            + "library knows (" + AUTHORITY_CLOUDS.keySet().stream().sorted().map(h -> "https://" + h + "/")
            .collect(Collectors.joining(", ")) + "); remove it or set tokenScope");
      }
    }

    Long timeoutMillis = null;
    String seconds = v.get(AZURE_TOKEN_TIMEOUT);
    if (seconds != null) {
      try {
        timeoutMillis = Math.multiplyExact(Long.parseLong(seconds), 1000L);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("azure.accessTokenTimeoutInSeconds must be a whole number of seconds, was "
            + SettingValues.shown(seconds), e);
      }
    }
    String fetchTimeout = v.get(ManagedIdentityProperties.TOKEN_FETCH_TIMEOUT);
    if (fetchTimeout != null) {
      long ms = SettingValues.parseMillis(ManagedIdentityProperties.TOKEN_FETCH_TIMEOUT, fetchTimeout);
      if (timeoutMillis != null && timeoutMillis != ms) {
        throw new IllegalArgumentException("tokenFetchTimeout=" + fetchTimeout + " and azure.accessTokenTimeoutInSeconds="
            + seconds + " differ; keep one of them");
      }
      timeoutMillis = ms;
    }
    if (v.containsKey(AZURE_CACHE_ENABLED)) {
      SettingValues.parseBoolean(AZURE_CACHE_ENABLED, v.get(AZURE_CACHE_ENABLED)); // tokens are always cached
    }
    String bean = v.get(AZURE_CREDENTIAL_BEAN);
    if (bean != null && !bean.equals(AZURE_DEFAULT_CREDENTIAL_BEAN)) {
      throw new IllegalArgumentException("azure.tokenCredentialBeanName=" + bean + " cannot be honoured: the plugins "
          + "do not see the Spring context. Remove it and name the identity with managedIdentityClientId (or use "
          + "ManagedIdentityDataSource with setTokenCredential)");
    }

    TokenSettings d = TokenSettings.DEFAULTS;
    TokenSettings asked = new TokenSettings(
        doubleOr(v, ManagedIdentityProperties.TOKEN_REFRESH_RATIO, d.refreshRatio()),
        doubleOr(v, ManagedIdentityProperties.TOKEN_REFRESH_JITTER, d.refreshJitter()),
        millisOr(v, ManagedIdentityProperties.TOKEN_EXPIRY_MARGIN, d.expiryMargin()),
        timeoutMillis != null ? Duration.ofMillis(timeoutMillis) : d.fetchTimeout(),
        millisOr(v, ManagedIdentityProperties.TOKEN_RETRY_BACKOFF, d.retryBackoff()),
        millisOr(v, ManagedIdentityProperties.TOKEN_RETRY_MAX_BACKOFF, d.retryMaxBackoff()));
    List<String> warnings = new ArrayList<>();
    TokenSettings timings = asked.checked(warnings);
    String allow = v.get(ManagedIdentityProperties.ALLOW_TOKEN_WITHOUT_TLS);
    boolean allowWithoutTls = allow != null && SettingValues.parseBoolean(ManagedIdentityProperties.ALLOW_TOKEN_WITHOUT_TLS, allow);
    return new PluginSettings(credential, clientId, tenantId, scope, cloud, timings, allowWithoutTls, warnings);
  }

  /** The value of either name; both set to different values is an error naming both. */
  private static String same(Map<String, String> v, String ours, String theirs) {
    String a = v.get(ours);
    String b = v.get(theirs);
    if (a != null && b != null && !a.equalsIgnoreCase(b)) {
      throw new IllegalArgumentException(ours + "=" + SettingValues.shown(a) + " and " + theirs + "=" + SettingValues.shown(b)
          + " differ; keep one of them");
    }
    return a != null ? a : b;
  }

  private static double doubleOr(Map<String, String> v, String name, double fallback) {
    String s = v.get(name);
    return s == null ? fallback : SettingValues.parseDouble(name, s);
  }

  private static Duration millisOr(Map<String, String> v, String name, Duration fallback) {
    String s = v.get(name);
    return s == null ? fallback : Duration.ofMillis(SettingValues.parseMillis(name, s));
  }

  public CredentialType credential() {
    return credential;
  }

  /** The user-assigned identity's client id, or null. */
  public String clientId() {
    return clientId;
  }

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

  public boolean allowTokenWithoutTls() {
    return allowTokenWithoutTls;
  }

  /** What {@link TokenSettings#checked} replaced, one line each; logged once per distinct settings. */
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof PluginSettings other && credential == other.credential && Objects.equals(clientId, other.clientId)
        && Objects.equals(tenantId, other.tenantId) && Objects.equals(scope, other.scope)
        && Objects.equals(cloud, other.cloud) && timings.equals(other.timings)
        && allowTokenWithoutTls == other.allowTokenWithoutTls;
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Objects.hash(credential, clientId, tenantId, scope, cloud, timings, allowTokenWithoutTls);
      hash = h;
    }
    return h;
  }

  private int hash; // immutable fields: computed once (a benign race, as String's)

  @Override
  public String toString() {
    return "PluginSettings[credential=" + credential.settingValue() + (clientId == null ? "" : ", clientId=" + clientId)
        + (tenantId == null ? "" : ", tenantId=" + tenantId) + (scope == null ? "" : ", scope=" + scope)
        + (cloud == null ? "" : ", cloud=" + cloud) + ", " + timings
        + (allowTokenWithoutTls ? ", allowTokenWithoutTls" : "") + ']';
  }
}
