package io.github.azuremi.jdbc.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Mints access tokens shaped like the v1 tokens Microsoft Entra ID gives a managed identity: three
 * base64url parts, the same claims, and about the same size (1.2-1.6 KB), so that code under test meets
 * realistic lengths and characters. They are not signed: the third part is random bytes.
 */
final class FakeAccessTokens {

    /** The tenant every local identity belongs to. */
    static final String TENANT_ID = "72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d";

    /** The client id the local endpoint answers with for the system-assigned identity. */
    static final String SYSTEM_ASSIGNED_CLIENT_ID = "0e5c8f7a-1b2d-4c3e-8f9a-6b7c8d9e0f1a";

    private static final String SUBSCRIPTION_ID = "3c1d5e7f-2a4b-4c6d-8e0f-1a2b3c4d5e6f";
    private static final String RESOURCE_GROUP_ID =
            "/subscriptions/" + SUBSCRIPTION_ID + "/resourcegroups/mids-test/providers/";
    private static final int SIGNATURE_BYTES = 256; // an RS256 signature with a 2048-bit key
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private FakeAccessTokens() {}

    /** The managed identity a token request names (or the system-assigned one when it names none). */
    record Identity(String clientId, String objectId, String azureResourceId) {

        static Identity systemAssigned() {
            return new Identity(
                    SYSTEM_ASSIGNED_CLIENT_ID,
                    objectIdOf(SYSTEM_ASSIGNED_CLIENT_ID),
                    RESOURCE_GROUP_ID + "Microsoft.Web/sites/mids-test-app");
        }

        static Identity byClientId(String clientId) {
            return new Identity(clientId, objectIdOf(clientId), userAssignedResourceId(clientId));
        }

        static Identity byResourceId(String azureResourceId) {
            String clientId = derivedUuid("client-id:" + azureResourceId);
            return new Identity(clientId, objectIdOf(clientId), azureResourceId);
        }

        /** App Service documents {@code principal_id}; MSAL4J sends {@code object_id}: both name the object id. */
        static Identity byObjectId(String objectId) {
            String clientId = derivedUuid("client-id:" + objectId);
            return new Identity(clientId, objectId, userAssignedResourceId(clientId));
        }

        private static String userAssignedResourceId(String clientId) {
            return RESOURCE_GROUP_ID + "Microsoft.ManagedIdentity/userAssignedIdentities/mids-"
                    + clientId.substring(0, Math.min(8, clientId.length()));
        }
    }

    /** The object id (service principal) of a client id: stable, so tests can predict it. */
    static String objectIdOf(String clientId) {
        return derivedUuid("object-id:" + clientId);
    }

    static String mint(String resource, Identity identity, Instant issuedAt, Instant expiresOn) {
        String keyId = randomBase64Url(20);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5t", keyId);
        header.put("kid", keyId);

        String issuer = "https://sts.windows.net/" + TENANT_ID + "/";
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", resource);
        claims.put("iss", issuer);
        claims.put("iat", issuedAt.getEpochSecond());
        claims.put("nbf", issuedAt.getEpochSecond());
        claims.put("exp", expiresOn.getEpochSecond());
        claims.put("aio", randomBase64Url(42));
        claims.put("appid", identity.clientId());
        claims.put("appidacr", "2");
        claims.put("idp", issuer);
        claims.put("idtyp", "app");
        claims.put("oid", identity.objectId());
        claims.put("rh", "1.A" + randomBase64Url(54) + ".");
        claims.put("sub", identity.objectId());
        claims.put("tid", TENANT_ID);
        claims.put("uti", randomBase64Url(16)); // Entra's unique token identifier: no two tokens share one
        claims.put("ver", "1.0");
        claims.put("xms_mirid", identity.azureResourceId());
        claims.put("xms_tcdt", 1_600_000_000L);

        return encode(JsonText.object(header)) + "." + encode(JsonText.object(claims)) + "."
                + randomBase64Url(SIGNATURE_BYTES);
    }

    private static String encode(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomBase64Url(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return BASE64URL.encodeToString(random);
    }

    private static String derivedUuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
