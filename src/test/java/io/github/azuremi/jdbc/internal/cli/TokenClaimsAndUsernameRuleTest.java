package io.github.azuremi.jdbc.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.db.Dialect;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Reading claims and inferring the database user, on hand-made tokens of the three kinds of principal. */
class TokenClaimsAndUsernameRuleTest {

    private static String jwt(String payloadJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    @Test
    void aDeveloperTokenLogsInAsTheUpn() {
        TokenClaims claims = TokenClaims.of(jwt("{\"aud\":\"https://ossrdbms-aad.database.windows.net\",\"tid\":\"t\","
                + "\"oid\":\"o\",\"appid\":\"04b07795-8ddb-461a-bbee-02f9e1bf7b46\",\"upn\":\"alice@contoso.com\","
                + "\"idtyp\":\"user\",\"exp\":1800000000}"));

        assertThat(claims.principalKind()).isEqualTo("user");
        assertThat(claims.userPrincipalName()).isEqualTo("alice@contoso.com");
        assertThat(claims.expiresAt()).isEqualTo(Instant.ofEpochSecond(1_800_000_000L));
        UsernameRule rule = UsernameRule.infer(claims, Dialect.POSTGRESQL);
        assertThat(rule.username()).isEqualTo("alice@contoso.com");
        assertThat(rule.rule()).contains("upn");
    }

    @Test
    void aManagedIdentityLogsInAsItsName() {
        TokenClaims claims =
                TokenClaims.of(jwt("{\"aud\":\"https://ossrdbms-aad.database.windows.net\",\"idtyp\":\"app\","
                        + "\"xms_mirid\":\"/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/"
                        + "userAssignedIdentities/orders-api\"}"));

        assertThat(claims.principalKind()).isEqualTo("managed identity");
        assertThat(UsernameRule.infer(claims, Dialect.MYSQL).username()).isEqualTo("orders-api");
        assertThat(UsernameRule.infer(claims, Dialect.SQLSERVER).username()).isNull();
        assertThat(UsernameRule.infer(claims, Dialect.SQLSERVER).rule())
                .contains("CREATE USER [orders-api] FROM EXTERNAL PROVIDER");
    }

    @Test
    void aServicePrincipalsNameIsNotInItsToken() {
        TokenClaims claims = TokenClaims.of(
                jwt("{\"aud\":\"https://ossrdbms-aad.database.windows.net\",\"idtyp\":\"app\"," + "\"appid\":\"a\"}"));

        assertThat(claims.principalKind()).isEqualTo("service principal");
        assertThat(UsernameRule.infer(claims, Dialect.POSTGRESQL).username()).isNull();
        assertThat(UsernameRule.infer(claims, Dialect.POSTGRESQL).rule()).contains("--username");
    }

    @Test
    void somethingThatIsNotAJwtHasNoClaims() {
        assertThat(TokenClaims.of("opaque-token").isEmpty()).isTrue();
        assertThat(TokenClaims.of("a.%%%.c").isEmpty()).isTrue();
    }
}
