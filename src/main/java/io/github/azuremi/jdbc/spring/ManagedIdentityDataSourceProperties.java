package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * This library's settings in Spring Boot, under {@value #PREFIX}. Each maps to the setting of the same name
 * of {@link ManagedIdentityDataSource} (see README, "Settings"); unset ones keep the library's defaults.
 * Durations take Spring's forms ({@code 30s}, {@code 500ms}; a bare number is milliseconds).
 * HikariCP's own settings stay under {@code spring.datasource.hikari.*}.
 */
@ConfigurationProperties(prefix = ManagedIdentityDataSourceProperties.PREFIX)
public class ManagedIdentityDataSourceProperties {

  public static final String PREFIX = "spring.datasource.azure-managed-identity";

  /** Whether the application's DataSource is a ManagedIdentityDataSource (needs spring.datasource.url). */
  private boolean enabled;
  /** default, managed-identity, workload-identity, azure-cli or environment. */
  private String credential;
  /** Client id of a user-assigned managed identity; unset for the system-assigned one. */
  private String managedIdentityClientId;
  /** Entra tenant, for the credentials that take one. */
  private String tenantId;
  /** Token scope; by default derived from the JDBC URL. */
  private String tokenScope;
  /** Share of a token's lifetime after which it is refreshed (default 0.5). */
  private Double tokenRefreshRatio;
  /** Random delay of the refresh, as a share of the time left (default 0.1). */
  private Double tokenRefreshJitter;
  /** A token is no longer used this long before it expires (default 30s). */
  @DurationUnit(ChronoUnit.MILLIS)
  private Duration tokenExpiryMargin;
  /** The longest one token request may take (default 20s). */
  @DurationUnit(ChronoUnit.MILLIS)
  private Duration tokenFetchTimeout;
  /** Wait after the first failed token request; doubles per failure (default 1s). */
  @DurationUnit(ChronoUnit.MILLIS)
  private Duration tokenRetryBackoff;
  /** Longest wait between failed token requests (default 30s). */
  @DurationUnit(ChronoUnit.MILLIS)
  private Duration tokenRetryMaxBackoff;
  /** Allow the token over a connection that may be unencrypted to a non-loopback host (default false). */
  private Boolean allowTokenWithoutTls;

  /** Sets what is set here on {@code dataSource}; leaves the rest alone. */
  public void applyTo(ManagedIdentityDataSource dataSource) {
    if (credential != null) {
      dataSource.setCredential(credential);
    }
    // Spring's ${AZURE_CLIENT_ID:} declares an empty default on purpose ("optional"; without the colon an unset
    // variable already fails in Spring): empty here is unset. Elsewhere (a URL, Properties, JNDI) it is refused.
    if (managedIdentityClientId != null && !managedIdentityClientId.isBlank()) {
      dataSource.setManagedIdentityClientId(managedIdentityClientId);
    }
    if (tenantId != null && !tenantId.isBlank()) {
      dataSource.setTenantId(tenantId);
    }
    if (tokenScope != null) {
      dataSource.setTokenScope(tokenScope);
    }
    if (tokenRefreshRatio != null) {
      dataSource.setTokenRefreshRatio(tokenRefreshRatio);
    }
    if (tokenRefreshJitter != null) {
      dataSource.setTokenRefreshJitter(tokenRefreshJitter);
    }
    if (tokenExpiryMargin != null) {
      dataSource.setTokenExpiryMargin(tokenExpiryMargin.toMillis());
    }
    if (tokenFetchTimeout != null) {
      dataSource.setTokenFetchTimeout(tokenFetchTimeout.toMillis());
    }
    if (tokenRetryBackoff != null) {
      dataSource.setTokenRetryBackoff(tokenRetryBackoff.toMillis());
    }
    if (tokenRetryMaxBackoff != null) {
      dataSource.setTokenRetryMaxBackoff(tokenRetryMaxBackoff.toMillis());
    }
    if (allowTokenWithoutTls != null) {
      dataSource.setAllowTokenWithoutTls(allowTokenWithoutTls);
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getCredential() {
    return credential;
  }

  public void setCredential(String credential) {
    this.credential = credential;
  }

  public String getManagedIdentityClientId() {
    return managedIdentityClientId;
  }

  public void setManagedIdentityClientId(String managedIdentityClientId) {
    this.managedIdentityClientId = managedIdentityClientId;
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  public String getTokenScope() {
    return tokenScope;
  }

  public void setTokenScope(String tokenScope) {
    this.tokenScope = tokenScope;
  }

  public Double getTokenRefreshRatio() {
    return tokenRefreshRatio;
  }

  public void setTokenRefreshRatio(Double tokenRefreshRatio) {
    this.tokenRefreshRatio = tokenRefreshRatio;
  }

  public Double getTokenRefreshJitter() {
    return tokenRefreshJitter;
  }

  public void setTokenRefreshJitter(Double tokenRefreshJitter) {
    this.tokenRefreshJitter = tokenRefreshJitter;
  }

  public Duration getTokenExpiryMargin() {
    return tokenExpiryMargin;
  }

  public void setTokenExpiryMargin(Duration tokenExpiryMargin) {
    this.tokenExpiryMargin = tokenExpiryMargin;
  }

  public Duration getTokenFetchTimeout() {
    return tokenFetchTimeout;
  }

  public void setTokenFetchTimeout(Duration tokenFetchTimeout) {
    this.tokenFetchTimeout = tokenFetchTimeout;
  }

  public Duration getTokenRetryBackoff() {
    return tokenRetryBackoff;
  }

  public void setTokenRetryBackoff(Duration tokenRetryBackoff) {
    this.tokenRetryBackoff = tokenRetryBackoff;
  }

  public Duration getTokenRetryMaxBackoff() {
    return tokenRetryMaxBackoff;
  }

  public void setTokenRetryMaxBackoff(Duration tokenRetryMaxBackoff) {
    this.tokenRetryMaxBackoff = tokenRetryMaxBackoff;
  }

  public Boolean getAllowTokenWithoutTls() {
    return allowTokenWithoutTls;
  }

  public void setAllowTokenWithoutTls(Boolean allowTokenWithoutTls) {
    this.allowTokenWithoutTls = allowTokenWithoutTls;
  }
}
