package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.TokenCredential;
import org.junit.jupiter.api.Test;

/** Which keys and credential sources are one identity, and how they are described. */
class TokenKeyAndCredentialSourceTest {

    private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

    private static CredentialSource builtIn(String id) {
        return CredentialSource.of(id, "managed identity " + id, () -> {
            throw new AssertionError("not built");
        });
    }

    @Test
    void builtInSourcesWithOtherIdsAreOtherIdentities() {
        assertThat(builtIn("a")).isEqualTo(builtIn("a")).hasSameHashCodeAs(builtIn("a"));
        assertThat(builtIn("a")).isNotEqualTo(builtIn("b"));
        assertThat(builtIn("a").hashCode()).isNotEqualTo(builtIn("b").hashCode());
        assertThat(builtIn("a")).isNotEqualTo("a");
    }

    @Test
    void aSourceIsDescribedByItsDescription() {
        assertThat(builtIn("a").description()).isEqualTo("managed identity a");
        assertThat(builtIn("a")).hasToString("managed identity a");
    }

    @Test
    void userCredentialsAreOneIdentityOnlyWhenTheyAreTheSameInstance() {
        FakeTime time = new FakeTime();
        TokenCredential one = new FakeCredential(time);
        TokenCredential two = new FakeCredential(time);
        CredentialSource a = CredentialSource.of(one);
        assertThat(a).isEqualTo(CredentialSource.of(one)).hasSameHashCodeAs(CredentialSource.of(one));
        assertThat(a).isNotEqualTo(CredentialSource.of(two));
        assertThat(a.hashCode())
                .isEqualTo(System.identityHashCode(one))
                .isNotEqualTo(CredentialSource.of(two).hashCode());
        assertThat(a.credential()).isSameAs(one);
        assertThat(a.description()).isEqualTo("custom TokenCredential (" + FakeCredential.class.getName() + ")");
    }

    @Test
    void keysDifferingInScopeOrTenantAreDifferentAndHashDifferently() {
        TokenKey key = new TokenKey(builtIn("a"), SCOPE, null);
        TokenKey sameKey = new TokenKey(builtIn("a"), SCOPE, null);
        TokenKey otherScope = new TokenKey(builtIn("a"), "other", null);
        TokenKey otherTenant = new TokenKey(builtIn("a"), SCOPE, "tenant-1");
        TokenKey otherIdentity = new TokenKey(builtIn("b"), SCOPE, null);
        assertThat(key).isEqualTo(sameKey).hasSameHashCodeAs(sameKey);
        assertThat(key)
                .isNotEqualTo(otherScope)
                .isNotEqualTo(otherTenant)
                .isNotEqualTo(otherIdentity)
                .isNotEqualTo(SCOPE);
        assertThat(key.hashCode()).isNotEqualTo(otherScope.hashCode()).isNotEqualTo(otherTenant.hashCode());
    }

    @Test
    void aKeyIsDescribedByIdentityScopeAndTenantIfAny() {
        assertThat(new TokenKey(builtIn("a"), SCOPE, null)).hasToString("managed identity a, scope " + SCOPE);
        assertThat(new TokenKey(builtIn("a"), SCOPE, "t1"))
                .hasToString("managed identity a, scope " + SCOPE + ", tenant t1");
    }
}
