package io.github.azuremi.jdbc.internal.cli;

import io.github.azuremi.jdbc.internal.db.Dialect;

/**
 * Which database user name an identity logs in as, inferred from its token where the token carries it.
 * The name is whatever the database's Entra admin gave when creating the role
 * ({@code pgaadauth_create_principal}, {@code CREATE AADUSER}, {@code CREATE USER ... FROM EXTERNAL PROVIDER});
 * by convention it is the identity's own name, which is what is inferred here.
 *
 * @param username the inferred name, or null when the token does not carry it (or SQL Server needs none)
 * @param rule     the rule applied, in words
 */
record UsernameRule(String username, String rule) {

    static UsernameRule infer(TokenClaims claims, Dialect dialect) {
        String upn = claims.userPrincipalName();
        String identityName = lastSegment(claims.managedIdentityResourceId());
        if (!dialect.loginWithUsername()) {
            String name = upn != null ? upn : identityName != null ? identityName : "<the identity's name>";
            return new UsernameRule(
                    null,
                    "Azure SQL identifies the login by the token, so no username is sent; the "
                            + "contained database user must be CREATE USER [" + name + "] FROM EXTERNAL PROVIDER");
        }
        if (upn != null) {
            return new UsernameRule(
                    upn,
                    "a signed-in user logs in as their sign-in name (the upn claim), the name the "
                            + "Entra admin gave the role");
        }
        if (identityName != null) {
            return new UsernameRule(
                    identityName,
                    "a managed identity logs in as its name (the last part of its resource "
                            + "id, the xms_mirid claim; for a system-assigned identity, the app's name), the name the Entra admin "
                            + "usually gives the role");
        }
        return new UsernameRule(
                null,
                "a service principal logs in as its app registration's display name, which the "
                        + "token does not carry: pass --username");
    }

    private static String lastSegment(String resourceId) {
        if (resourceId == null || resourceId.isBlank()) {
            return null;
        }
        String trimmed = resourceId.endsWith("/") ? resourceId.substring(0, resourceId.length() - 1) : resourceId;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }
}
