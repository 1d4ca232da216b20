package io.github.azuremi.jdbc.internal.token;

import java.util.Objects;

/**
 * What a token is for: an identity (the credential), a scope and, optionally, a tenant. Pools with equal
 * keys share one token.
 */
public record TokenKey(CredentialSource credential, String scope, String tenantId) {

  public TokenKey {
    Objects.requireNonNull(credential, "credential");
    Objects.requireNonNull(scope, "scope");
  }

  @Override
  public String toString() {
    return credential.description() + ", scope " + scope + (tenantId == null ? "" : ", tenant " + tenantId);
  }
}
