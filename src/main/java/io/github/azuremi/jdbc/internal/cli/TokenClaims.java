package io.github.azuremi.jdbc.internal.cli;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;

/**
 * The claims of an access token that matter for a database login, read from the JWT's payload. Only the
 * payload is decoded; the signature is not checked (the database does that) and the token itself is never
 * kept or printed.
 */
record TokenClaims(Map<String, Object> claims) {

    /** Decodes the payload; a token that is not a JWT gives empty claims. */
    static TokenClaims of(String accessToken) {
        String[] parts = accessToken == null ? new String[0] : accessToken.split("\\.");
        if (parts.length < 2) {
            return new TokenClaims(Map.of());
        }
        try {
            byte[] json = Base64.getUrlDecoder().decode(parts[1]);
            try (JsonReader reader = JsonProviders.createReader(new String(json, StandardCharsets.UTF_8))) {
                reader.nextToken();
                Object value = reader.readUntyped();
                @SuppressWarnings("unchecked")
                Map<String, Object> map = value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
                return new TokenClaims(Collections.unmodifiableMap(map));
            }
        } catch (IOException | RuntimeException e) {
            return new TokenClaims(Map.of());
        }
    }

    String string(String name) {
        Object value = claims.get(name);
        return value == null ? null : value.toString();
    }

    Instant instant(String name) {
        Object value = claims.get(name);
        if (value instanceof Number n) {
            return Instant.ofEpochSecond(n.longValue());
        }
        try {
            return value == null ? null : Instant.ofEpochSecond(Long.parseLong(value.toString()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    boolean isEmpty() {
        return claims.isEmpty();
    }

    String audience() {
        return string("aud");
    }

    String tenant() {
        return string("tid");
    }

    String objectId() {
        return string("oid");
    }

    /** The client (application) id: {@code appid} in v1 tokens, {@code azp} in v2. */
    String appId() {
        return string("appid") != null ? string("appid") : string("azp");
    }

    /** A user's sign-in name: {@code upn}, else {@code unique_name} or {@code preferred_username}. */
    String userPrincipalName() {
        for (String claim : new String[] {"upn", "unique_name", "preferred_username"}) {
            String value = string(claim);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    /** The Azure resource id of a managed identity ({@code xms_mirid}); null for users and service principals. */
    String managedIdentityResourceId() {
        return string("xms_mirid");
    }

    Instant expiresAt() {
        return instant("exp");
    }

    /** user, managed identity or service principal, from the claims that say so. */
    String principalKind() {
        if (userPrincipalName() != null || "user".equals(string("idtyp"))) {
            return "user";
        }
        if (managedIdentityResourceId() != null) {
            return "managed identity";
        }
        return "service principal";
    }
}
