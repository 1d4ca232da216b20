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

    // equals and hashCode are written out, not generated: see TokenSettings (a JDK 17 cache in
    // java.lang.runtime.ObjectMethods pins the class loader of the last record type compared).
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKey other
                && credential.equals(other.credential)
                && scope.equals(other.scope)
                && Objects.equals(tenantId, other.tenantId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(credential, scope, tenantId);
    }

    @Override
    public String toString() {
        return credential.description() + ", scope " + scope + (tenantId == null ? "" : ", tenant " + tenantId);
    }
}
