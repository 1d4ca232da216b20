package io.github.azuremi.jdbc.jndi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.util.Map;
import javax.naming.NamingException;
import javax.naming.Reference;
import javax.naming.StringRefAddr;
import org.junit.jupiter.api.Test;

/** The factory on its own, with references shaped as Tomcat builds them from a {@code <Resource>} element. */
class ManagedIdentityDataSourceFactoryTest {

    private static final String CLIENT_ID = "1b2c3d4e-0000-1111-2222-333344445555";

    private static Reference tomcatReference(String type, Map<String, String> attributes) {
        Reference ref = new Reference(type);
        // what Tomcat's ResourceRef adds, and what it passes from the element
        ref.add(new StringRefAddr("description", "the app's database"));
        ref.add(new StringRefAddr("scope", "Shareable"));
        ref.add(new StringRefAddr("auth", "Container"));
        ref.add(new StringRefAddr("singleton", "true"));
        ref.add(new StringRefAddr("factory", ManagedIdentityDataSourceFactory.class.getName()));
        ref.add(new StringRefAddr("closeMethod", "close"));
        attributes.forEach((k, v) -> ref.add(new StringRefAddr(k, v)));
        return ref;
    }

    @Test
    void buildsAnUnstartedPoolFromEveryKindOfAttribute() throws Exception {
        Reference ref = tomcatReference(
                "javax.sql.DataSource",
                Map.of(
                        "jdbcUrl", "jdbc:postgresql://myserver.postgres.database.azure.com:5432/app?sslmode=require",
                        "username", "my-app",
                        "credential", "managed-identity",
                        "managedIdentityClientId", CLIENT_ID,
                        "maximumPoolSize", "10",
                        "tokenRefreshRatio", "0.6",
                        "tokenFetchTimeout", "15s",
                        "poolName", "app",
                        "dataSource.ApplicationName", "orders"));

        Object built = new ManagedIdentityDataSourceFactory().getObjectInstance(ref, null, null, null);

        assertThat(built).isInstanceOf(ManagedIdentityDataSource.class);
        try (ManagedIdentityDataSource ds = (ManagedIdentityDataSource) built) {
            assertThat(ds.getJdbcUrl()).startsWith("jdbc:postgresql://myserver");
            assertThat(ds.getUsername()).isEqualTo("my-app");
            assertThat(ds.getCredential()).isEqualTo("managed-identity");
            assertThat(ds.getManagedIdentityClientId()).isEqualTo(CLIENT_ID);
            assertThat(ds.getMaximumPoolSize()).isEqualTo(10);
            assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.6);
            assertThat(ds.getTokenFetchTimeout()).isEqualTo(15_000);
            assertThat(ds.getPoolName()).isEqualTo("app");
            assertThat(ds.getDataSourceProperties()).containsEntry("ApplicationName", "orders");
            assertThat(ds.isRunning()).as("lazy, like any Hikari pool").isFalse();
        }
    }

    @Test
    void anUnknownAttributeIsAnErrorThatNamesIt() {
        Reference ref = tomcatReference(
                "javax.sql.DataSource",
                Map.of(
                        "jdbcUrl", "jdbc:postgresql://myserver.postgres.database.azure.com:5432/app",
                        "username", "my-app",
                        "maxPoolSize", "10")); // Hikari's name is maximumPoolSize

        assertThatThrownBy(() -> new ManagedIdentityDataSourceFactory().getObjectInstance(ref, null, null, null))
                .isInstanceOf(NamingException.class)
                .hasMessageContaining("maxPoolSize")
                .hasMessageContaining("ManagedIdentityDataSourceFactory");
    }

    @Test
    void aValueThatDoesNotParseIsAnErrorThatNamesTheSetting() {
        Reference ref = tomcatReference(
                "javax.sql.DataSource",
                Map.of(
                        "jdbcUrl", "jdbc:postgresql://myserver.postgres.database.azure.com:5432/app",
                        "tokenRefreshRatio", "half"));

        assertThatThrownBy(() -> new ManagedIdentityDataSourceFactory().getObjectInstance(ref, null, null, null))
                .isInstanceOf(NamingException.class)
                .hasMessageContaining("tokenRefreshRatio");
    }

    @Test
    void referencesOfOtherTypesAreNotOurs() throws Exception {
        ManagedIdentityDataSourceFactory factory = new ManagedIdentityDataSourceFactory();
        assertThat(factory.getObjectInstance(tomcatReference("jakarta.mail.Session", Map.of()), null, null, null))
                .isNull();
        assertThat(factory.getObjectInstance("not a reference", null, null, null))
                .isNull();
    }
}
