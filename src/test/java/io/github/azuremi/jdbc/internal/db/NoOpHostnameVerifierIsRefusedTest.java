package io.github.azuremi.jdbc.internal.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin;
import java.util.Properties;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.plugin.AuthenticationRequestType;

/**
 * Issue 16, row 9: with {@code sslmode=verify-full}, pgjdbc's {@code sslhostnameverifier} names a class that replaces
 * its host name check; one that accepts every name (as {@link AcceptsEveryName}) was taken for verified TLS, so the
 * token went to any server with a certificate from a trusted CA. And the list of pgjdbc's non-validating factories
 * named a class that pgjdbc 42.7.x does not have.
 */
class NoOpHostnameVerifierIsRefusedTest {

    /** What a user copies from an answer on the web to get past a host name mismatch. */
    public static final class AcceptsEveryName implements HostnameVerifier {
        @Override
        public boolean verify(String hostname, SSLSession session) {
            return true;
        }
    }

    private static final String URL = "jdbc:postgresql://srv.postgres.database.azure.com:5432/app?sslmode=verify-full"
            + "&sslhostnameverifier=" + AcceptsEveryName.class.getName();

    @Test
    void theDataSourceRefusesAHostnameVerifierOfItsOwn() {
        assertThatThrownBy(() -> Dialect.POSTGRESQL.target(URL, new Properties(), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sslhostnameverifier=" + AcceptsEveryName.class.getName()
                        + " (in jdbcUrl and dataSourceProperties)")
                .hasMessageContaining("srv.postgres.database.azure.com")
                .hasMessageContaining("Remove sslhostnameverifier")
                .hasMessageContaining("allowUnverifiedTransport=true");
        Properties props = new Properties();
        props.setProperty("sslhostnameverifier", AcceptsEveryName.class.getName());
        assertThatThrownBy(() -> Dialect.POSTGRESQL.target(
                        "jdbc:postgresql://srv.postgres.database.azure.com/app", props, false))
                .hasMessageContaining("sslhostnameverifier=");
    }

    @Test
    void theOptInPgjdbcsOwnVerifierAndLoopbackAreAccepted() {
        assertThat(Dialect.POSTGRESQL.target(URL, new Properties(), true).transport())
                .contains("sslhostnameverifier=" + AcceptsEveryName.class.getName());
        assertThat(Dialect.POSTGRESQL
                        .target(
                                "jdbc:postgresql://srv.postgres.database.azure.com/app?sslhostnameverifier="
                                        + PostgresDialect.PGJDBC_HOSTNAME_VERIFIER,
                                new Properties(),
                                false)
                        .transport())
                .contains("verify-full");
        assertThat(Dialect.POSTGRESQL
                        .target(
                                "jdbc:postgresql://localhost/app?sslmode=verify-full&sslhostnameverifier="
                                        + AcceptsEveryName.class.getName(),
                                new Properties(),
                                false)
                        .loopbackOnly())
                .isTrue();
    }

    /** The plugin judges the same properties (pgjdbc has merged them); refused before any token is fetched. */
    @Test
    void thePluginRefusesItToo() {
        Properties parsed = org.postgresql.Driver.parseURL(
                URL + "&authenticationPluginClassName=" + PostgresAuthenticationPlugin.class.getName()
                        + "&user=app&loginTimeout=2",
                new Properties());
        assertThatThrownBy(() -> new PostgresAuthenticationPlugin(parsed).getPassword(AuthenticationRequestType.SASL))
                .hasMessageStartingWith(
                        "PostgresAuthenticationPlugin - sslhostnameverifier=" + AcceptsEveryName.class.getName())
                .hasMessageContaining("Remove sslhostnameverifier");
    }

    @Test
    void theNonValidatingFactoriesAreRealPgjdbcFactories() throws ClassNotFoundException {
        assertThat(PostgresDialect.NON_VALIDATING_FACTORIES).isNotEmpty();
        for (String name : PostgresDialect.NON_VALIDATING_FACTORIES) {
            assertThat(SSLSocketFactory.class.isAssignableFrom(Class.forName(name)))
                    .as(name)
                    .isTrue();
        }
        assertThat(PostgresDialect.NON_VALIDATING_FACTORIES)
                .contains(org.postgresql.ssl.NonValidatingFactory.class.getName());
    }
}
