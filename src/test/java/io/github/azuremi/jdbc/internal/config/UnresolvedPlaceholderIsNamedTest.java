package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review of issue 16 row 8: Tomcat leaves {@code ${AZURE_CLIENT_ID}} as it is when the variable is unset (the
 * example of docs/tomcat-jndi.md, the plugin webapp's context.xml). Since {@code shown} hides anything with {@code $} or braces, the
 * user now reads "but was a value of 18 characters (not shown: it may be a secret)" and cannot tell that the value
 * is the unresolved placeholder, which is neither a secret nor what they meant.
 */
class UnresolvedPlaceholderIsNamedTest {

    @Test
    void anUnresolvedPlaceholderIsNamedAsSuch() {
        assertThat(SettingValues.clientIdProblem("managedIdentityClientId", "${AZURE_CLIENT_ID}"))
                .contains("${AZURE_CLIENT_ID}")
                .doesNotContain("may be a secret");
    }
}
