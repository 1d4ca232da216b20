package io.github.azuremi.jdbc.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.jndi.ManagedIdentityDataSourceFactory;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.naming.Reference;
import javax.naming.StringRefAddr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first token is asked for when the configuration is known, before the first {@code getConnection}: by
 * {@link ManagedIdentityDataSource#prefetchToken()} and by the JNDI factory, against the local endpoint and the real
 * PostgreSQL (which checks the token). A failed prefetch changes nothing that the application sees.
 */
class TokenPrefetchE2eTest {

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @AfterEach
    void reset() {
        endpoint.reset();
    }

    @Test
    void theEndpointSeesTheRequestBeforeTheFirstGetConnectionAndThePoolUsesThatToken() throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_prefetch");
        String clientId = acceptTokensOf(db, role);
        try (ManagedIdentityDataSource ds = dataSource(db, role, clientId)) {
            ds.prefetchToken();
            awaitTrue(() -> issuedTo(clientId) == 1);
            assertThat(ds.getTokenDescription()).as("the pool has not started").isNull();

            assertThat(currentUser(ds)).isEqualTo(role);
            assertThat(issuedTo(clientId))
                    .as("the pool took the prefetched token")
                    .isEqualTo(1);
        }
    }

    @Test
    void theJndiFactoryStartsTheFetchWhenTheResourceIsCreated() throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_prefetch_jndi");
        String clientId = acceptTokensOf(db, role);
        Reference ref = new Reference("javax.sql.DataSource", ManagedIdentityDataSourceFactory.class.getName(), null);
        ref.add(new StringRefAddr("jdbcUrl", db.jdbcUrl()));
        ref.add(new StringRefAddr("username", role));
        ref.add(new StringRefAddr("credential", "managed-identity"));
        ref.add(new StringRefAddr("managedIdentityClientId", clientId));
        try (ManagedIdentityDataSource ds = (ManagedIdentityDataSource)
                new ManagedIdentityDataSourceFactory().getObjectInstance(ref, null, null, null)) {
            awaitTrue(() -> issuedTo(clientId) == 1);
            assertThat(currentUser(ds)).isEqualTo(role);
            assertThat(issuedTo(clientId)).isEqualTo(1);
        }
    }

    @Test
    void aFailedPrefetchGivesExactlyTheErrorOfAStartWithoutIt() throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_prefetch_fail");
        endpoint.setFault(Fault.HTTP_403);
        String withoutPrefetch = startFailure(db, role, false);
        int before = endpoint.requestCount();
        String withPrefetch = startFailure(db, role, true);
        assertThat(withPrefetch).isEqualTo(withoutPrefetch).contains("not allowed to get this token");
        assertThat(endpoint.requestCount() - before)
                .as("the prefetch's request, then the pool's own")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aConfigurationTheStartRefusesIsNotPrefetchedAndFailsAsBefore() throws Exception {
        int before = endpoint.requestCount();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
            ds.setUsername("someone");
            ds.setPassword("not-allowed");
            ds.prefetchToken();
            Throwable failure = catchThrowable(ds::getConnection);
            assertThat(failure)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("password must not be set");
        }
        assertThat(endpoint.requestCount()).isEqualTo(before);
    }

    private String startFailure(TestDatabase db, String role, boolean prefetch) throws Exception {
        String clientId = UUID.randomUUID().toString();
        try (ManagedIdentityDataSource ds = dataSource(db, role, clientId)) {
            ds.setPoolName("prefetch-failure");
            ds.setConnectionTimeout(2_000);
            ds.setTokenFetchTimeout(20_000);
            if (prefetch) {
                int before = endpoint.requestCount();
                ds.prefetchToken();
                awaitTrue(() -> endpoint.requestCount() > before);
                Thread.sleep(1_000); // let it fail first: the pool then starts after a failed prefetch
            }
            Throwable failure = catchThrowable(ds::getConnection);
            assertThat(failure).isNotNull();
            return failure.getClass().getName() + ": "
                    + failure.getMessage()
                            .replace(clientId, "<client>")
                            .replaceAll("\\d+ ms", "<n> ms")
                            .replaceAll("Correlation ID: [0-9a-f-]+", "Correlation ID: <id>");
        }
    }

    private String acceptTokensOf(TestDatabase db, String role) {
        String clientId = UUID.randomUUID().toString();
        endpoint.onIssue(token -> {
            if (token.clientId().equals(clientId)) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
        return clientId;
    }

    private static ManagedIdentityDataSource dataSource(TestDatabase db, String role, String clientId) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(role);
        ds.setCredential("managed-identity");
        ds.setManagedIdentityClientId(clientId);
        return ds;
    }

    private long issuedTo(String clientId) {
        return endpoint.issuedTokens().stream()
                .filter(t -> t.clientId().equals(clientId))
                .count();
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 20 s").isNegative();
            Thread.sleep(20);
        }
    }

    private static String currentUser(javax.sql.DataSource ds) throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
