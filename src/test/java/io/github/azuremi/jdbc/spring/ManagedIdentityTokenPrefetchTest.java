package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * The Spring Boot hook: the token is asked for once the environment is ready, before any bean is defined, under the
 * auto-configuration's own conditions, and the pool that the auto-configuration builds later takes it.
 */
class ManagedIdentityTokenPrefetchTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    @Test
    void springBootRunsTheInitializer() {
        assertThat(SpringFactoriesLoader.loadFactoryNames(
                        ApplicationContextInitializer.class, getClass().getClassLoader()))
                .contains(ManagedIdentityTokenPrefetch.class.getName());
    }

    @Test
    void theTokenIsAskedForBeforeAnyBeanAndThePoolTakesIt() throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_prefetch_spring");
        String clientId = UUID.randomUUID().toString();
        endpoint.onIssue(token -> {
            if (token.clientId().equals(clientId)) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        Map<String, Object> properties = properties(db, role, clientId, true);
        try (AnnotationConfigApplicationContext context = context(properties)) {
            new ManagedIdentityTokenPrefetch().initialize(context);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (issuedTo(clientId) == 0) {
                assertThat(System.nanoTime()).as("asked within 20 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(context.isActive()).as("before the context is refreshed").isFalse();

            context.register(ManagedIdentityDataSourceAutoConfiguration.class);
            context.refresh();
            DataSource ds = context.getBean(DataSource.class);
            try (var c = ds.getConnection();
                    var rs = c.createStatement().executeQuery("SELECT current_user")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(role);
            }
            assertThat(issuedTo(clientId))
                    .as("the pool took the prefetched token")
                    .isEqualTo(1);
        }
    }

    @Test
    void withoutTheSwitchNothingIsAsked() throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String clientId = UUID.randomUUID().toString();
        int before = endpoint.requestCount();
        try (AnnotationConfigApplicationContext context = context(properties(db, "nobody", clientId, false))) {
            new ManagedIdentityTokenPrefetch().initialize(context);
            Thread.sleep(300);
        }
        assertThat(endpoint.requestCount()).isEqualTo(before);
    }

    private static Map<String, Object> properties(TestDatabase db, String role, String clientId, boolean enabled) {
        Map<String, Object> p = new HashMap<>();
        p.put("spring.datasource.url", db.jdbcUrl());
        p.put("spring.datasource.username", role);
        p.put("spring.datasource.azure-managed-identity.enabled", String.valueOf(enabled));
        p.put("spring.datasource.azure-managed-identity.credential", "managed-identity");
        p.put("spring.datasource.azure-managed-identity.managed-identity-client-id", clientId);
        return p;
    }

    private static AnnotationConfigApplicationContext context(Map<String, Object> properties) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
        return context;
    }

    private long issuedTo(String clientId) {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.clientId().equals(clientId))
                .count();
    }
}
