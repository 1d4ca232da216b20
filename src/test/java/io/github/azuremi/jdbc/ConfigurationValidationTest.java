package io.github.azuremi.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import java.time.OffsetDateTime;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * Every wrong setting fails at start with one message that starts with the pool name, names the setting
 * and says what to do. (Table-driven: one row per mistake.)
 */
class ConfigurationValidationTest {

    private static final String PG =
            "jdbc:postgresql://srv.postgres.database.azure.com:5432/app?ApplicationName=orders";
    private static final String MYSQL = "jdbc:mysql://srv.mysql.database.azure.com:3306/app";
    private static final String MSSQL = "jdbc:sqlserver://srv.database.windows.net:1433;databaseName=app;encrypt=true";
    private static final TokenCredential STATIC =
            r -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1)));

    static Stream<Arguments> mistakes() {
        return Stream.of(
                row("no jdbcUrl", ds -> ds.setUsername("app"), "jdbcUrl is required", "jdbc:postgresql://<server>"),
                row(
                        "unsupported database",
                        ds -> url(ds, "jdbc:oracle:thin:@//h:1521/x"),
                        "jdbcUrl must start with jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver:",
                        "jdbc:oracle:thin:@"),
                row(
                        "malformed URL",
                        ds -> url(ds, "jdbc:postgresql://h:port/app"),
                        "jdbcUrl cannot be used",
                        "jdbc:postgresql://<host>"),
                row(
                        "password set",
                        ds -> {
                            url(ds, PG);
                            ds.setPassword("secret");
                        },
                        "password must not be set",
                        "Remove the password setting"),
                row(
                        "password in driver properties",
                        ds -> {
                            url(ds, PG);
                            ds.addDataSourceProperty("password", "x");
                        },
                        "a password is set in dataSourceProperties",
                        "Remove it"),
                row("password in URL", ds -> url(ds, PG + "&password=x"), "a password is set in jdbcUrl", "Remove it"),
                row("user in URL", ds -> url(ds, PG + "&user=bob"), "not as user= in jdbcUrl", "username setting"),
                row(
                        "PostgreSQL without username",
                        ds -> ds.setJdbcUrl(PG),
                        "username is required for PostgreSQL",
                        "pgaadauth_create_principal"),
                row(
                        "MySQL without username",
                        ds -> ds.setJdbcUrl(MYSQL),
                        "username is required for MySQL",
                        "CREATE AADUSER"),
                row(
                        "unknown credential",
                        ds -> {
                            url(ds, PG);
                            ds.setCredential("msi");
                        },
                        "credential must be one of default, managed-identity, workload-identity, azure-cli, environment",
                        "\"msi\""),
                row(
                        "client id not a GUID",
                        ds -> {
                            url(ds, PG);
                            ds.setManagedIdentityClientId("my-identity");
                        },
                        "managedIdentityClientId must be the client id",
                        "az identity show"),
                row(
                        "malformed tenant",
                        ds -> {
                            url(ds, PG);
                            ds.setTenantId("not a tenant");
                        },
                        "tenantId must be",
                        "GUID"),
                // issue 16: an unset ${AZURE_CLIENT_ID} meant the system-assigned identity without a word
                row(
                        "empty client id",
                        ds -> {
                            url(ds, PG);
                            ds.setManagedIdentityClientId("");
                        },
                        "managedIdentityClientId is set but empty",
                        "remove managedIdentityClientId to use the system-assigned identity"),
                row(
                        "empty tenant",
                        ds -> {
                            url(ds, PG);
                            ds.setTenantId(" ");
                        },
                        "tenantId is set but empty",
                        "remove tenantId"),
                row(
                        "client secret as client id",
                        ds -> {
                            url(ds, PG);
                            ds.setManagedIdentityClientId("Xk98Q~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z");
                        },
                        "managedIdentityClientId has the shape of a client secret (not shown)",
                        "rotate it"),
                row(
                        "resource id as client id",
                        ds -> {
                            url(ds, PG);
                            ds.setManagedIdentityClientId(
                                    "/subscriptions/3c1d5e7f-2a4b-4c6d-8e0f-1a2b3c4d5e6f/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app");
                        },
                        "managedIdentityClientId is a resource id",
                        "az identity show --ids"),
                row(
                        "tokenCredential and client id",
                        ds -> {
                            url(ds, PG);
                            ds.setTokenCredential(STATIC);
                            ds.setManagedIdentityClientId("1b2c3d4e-0000-1111-2222-333344445555");
                        },
                        "tokenCredential is set",
                        "remove them"),
                row(
                        "scope of SQL Server for PostgreSQL",
                        ds -> {
                            url(ds, PG);
                            ds.setTokenScope("https://database.windows.net/.default");
                        },
                        "is the scope of another database service",
                        "https://ossrdbms-aad.database.windows.net/.default"),
                row(
                        "scope of PostgreSQL for SQL Server",
                        ds -> {
                            ds.setJdbcUrl(MSSQL);
                            ds.setTokenScope("https://ossrdbms-aad.database.windows.net/.default");
                        },
                        "is the scope of another database service",
                        "https://database.windows.net/.default"),
                row(
                        "scope without /.default",
                        ds -> {
                            url(ds, PG);
                            ds.setTokenScope("https://ossrdbms-aad.database.windows.net");
                        },
                        "tokenScope must be an https URI ending in /.default",
                        "Leave tokenScope unset"),
                row(
                        "dataSourceClassName",
                        ds -> {
                            url(ds, PG);
                            ds.setDataSourceClassName("org.postgresql.ds.PGSimpleDataSource");
                        },
                        "dataSourceClassName",
                        "set jdbcUrl"),
                row(
                        "SQL Server with username",
                        ds -> {
                            ds.setJdbcUrl(MSSQL);
                            ds.setUsername("sa");
                        },
                        "username must not be set for SQL Server",
                        "FROM EXTERNAL PROVIDER"),
                row(
                        "SQL Server with authentication= in URL",
                        ds -> ds.setJdbcUrl(MSSQL + ";authentication=ActiveDirectoryMSI"),
                        "authentication is set in jdbcUrl",
                        "Remove authentication"),
                row(
                        "SQL Server with accessToken property",
                        ds -> {
                            ds.setJdbcUrl(MSSQL);
                            ds.addDataSourceProperty("accessToken", "x");
                        },
                        "accessToken is set in dataSourceProperties",
                        "Remove accessToken"),
                row(
                        "SQL Server with integrated security",
                        ds -> ds.setJdbcUrl(MSSQL + ";integratedSecurity=true"),
                        "integratedSecurity is set in jdbcUrl",
                        "Remove integratedSecurity"),
                row(
                        "SQL Server with user in URL",
                        ds -> ds.setJdbcUrl(MSSQL + ";user=sa"),
                        "user is set in jdbcUrl",
                        "Remove user"),
                row(
                        "PostgreSQL sslmode=disable to a remote host",
                        ds -> url(ds, "jdbc:postgresql://srv.postgres.database.azure.com/app?sslmode=disable"),
                        "sslmode=disable (as pgjdbc reads jdbcUrl and dataSourceProperties: sslmode=disable) lets the connection to srv.postgres.database.azure.com run without TLS",
                        "allowUnverifiedTransport=true"),
                row(
                        "PostgreSQL sslmode=prefer in properties",
                        ds -> {
                            url(ds, "jdbc:postgresql://srv.postgres.database.azure.com/app");
                            ds.addDataSourceProperty("sslmode", "prefer");
                        },
                        "sslmode=prefer (as pgjdbc reads",
                        "sslmode=verify-full"),
                row(
                        "PostgreSQL sslmode=require (TLS without verification)",
                        ds -> url(ds, PG + "&sslmode=require"),
                        "sslmode=require (as pgjdbc reads jdbcUrl and dataSourceProperties: sslmode=require) encrypts the connection to "
                                + "srv.postgres.database.azure.com without verifying the server's certificate",
                        "sslmode=verify-full"),
                row(
                        "PostgreSQL sslfactory that trusts any certificate",
                        ds -> url(ds, PG + "&sslmode=verify-full&sslfactory=org.postgresql.ssl.NonValidatingFactory"),
                        "sslfactory=org.postgresql.ssl.NonValidatingFactory",
                        "allowUnverifiedTransport=true"),
                row(
                        "MySQL sslMode=DISABLED",
                        ds -> url(ds, MYSQL + "?sslMode=DISABLED"),
                        "sslMode=DISABLED (as Connector/J reads",
                        "sslMode=VERIFY_IDENTITY"),
                row(
                        "MySQL useSSL=false",
                        ds -> url(ds, MYSQL + "?useSSL=false"),
                        "useSSL=false (as Connector/J reads",
                        "clear text"),
                row(
                        "MySQL sslMode=REQUIRED (TLS without verification)",
                        ds -> url(ds, MYSQL + "?sslMode=REQUIRED"),
                        "sslMode=REQUIRED (as Connector/J reads",
                        "sslMode=VERIFY_IDENTITY"),
                row(
                        "MySQL traceProtocol",
                        ds -> url(ds, MYSQL + "?traceProtocol=true"),
                        "traceProtocol=true makes Connector/J log every packet",
                        "Remove traceProtocol"),
                row(
                        "SQL Server trustServerCertificate=true",
                        ds -> ds.setJdbcUrl(MSSQL + ";trustServerCertificate=true"),
                        "trustServerCertificate=true makes mssql-jdbc accept any certificate from srv.database.windows.net",
                        "allowUnverifiedTransport=true"),
                row(
                        "SQL Server encrypt=false",
                        ds -> ds.setJdbcUrl(MSSQL + ";encrypt=false"),
                        "encrypt=false does not ask mssql-jdbc to verify the certificate of srv.database.windows.net",
                        "encrypt=true"),
                row(
                        "scope of Resource Manager",
                        ds -> {
                            url(ds, PG);
                            ds.setTokenScope("https://management.azure.com/.default");
                        },
                        "is not a database audience",
                        "https://ossrdbms-aad.database.windows.net/.default"),
                row(
                        "scope of Key Vault for SQL Server",
                        ds -> {
                            ds.setJdbcUrl(MSSQL);
                            ds.setTokenScope("https://vault.azure.net/.default");
                        },
                        "is not a database audience",
                        "https://database.windows.net/.default"),
                row(
                        "another driver class",
                        ds -> {
                            url(ds, PG);
                            ds.setDriverClassName("com.mysql.cj.jdbc.Driver");
                        },
                        "driverClassName com.mysql.cj.jdbc.Driver is not org.postgresql.Driver",
                        "Remove driverClassName"),
                row(
                        "SQL Server with password property",
                        ds -> {
                            ds.setJdbcUrl(MSSQL);
                            ds.addDataSourceProperty("password", "x");
                        },
                        "password is set in dataSourceProperties",
                        "Remove password"));
    }

    private static Arguments row(String name, Consumer<ManagedIdentityDataSource> setup, String message, String fix) {
        return Arguments.of(named(name, setup), message, fix);
    }

    private static void url(ManagedIdentityDataSource ds, String url) {
        ds.setJdbcUrl(url);
        ds.setUsername("app");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeFailsAtStartWithOneClearMessage(
            Consumer<ManagedIdentityDataSource> setup, String message, String fix) {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setPoolName("orders-db");
            setup.accept(ds);
            assertThatThrownBy(ds::getConnection)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("orders-db - ")
                    .hasMessageContaining(message)
                    .hasMessageContaining(fix);
            assertThat(ds.getTokenDescription()).as("nothing was started").isNull();
        }
    }

    @Test
    void outOfRangeNumbersWarnAndFallBackToTheirDefaults() {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            url(ds, PG);
            ds.setTokenCredential(STATIC);
            ds.setTokenRefreshRatio(1.5);
            ds.setTokenRefreshJitter(-1);
            ds.setTokenExpiryMargin(-5);
            ds.setTokenFetchTimeout(10);
            ds.setTokenRetryBackoff(0);
            ds.setTokenRetryMaxBackoff(5);
            ds.validate();
            assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.5);
            assertThat(ds.getTokenRefreshJitter()).isEqualTo(0.1);
            assertThat(ds.getTokenExpiryMargin()).isEqualTo(30_000);
            assertThat(ds.getTokenFetchTimeout()).isEqualTo(20_000);
            assertThat(ds.getTokenRetryBackoff()).isEqualTo(1_000);
            assertThat(ds.getTokenRetryMaxBackoff()).isEqualTo(30_000);
        }
    }

    @Test
    void propertiesTakeTheSameKeysAndUnitsAndNameABadValue() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", PG);
        p.setProperty("username", "app");
        p.setProperty("credential", "managed-identity");
        p.setProperty("managedIdentityClientId", "1b2c3d4e-0000-1111-2222-333344445555");
        p.setProperty("tokenRefreshRatio", "0.6");
        p.setProperty("tokenFetchTimeout", "5s");
        p.setProperty("maximumPoolSize", "7");
        p.setProperty("dataSource.ApplicationName", "orders");
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource(p)) {
            assertThat(ds.getCredential()).isEqualTo("managed-identity");
            assertThat(ds.getManagedIdentityClientId()).isEqualTo("1b2c3d4e-0000-1111-2222-333344445555");
            assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.6);
            assertThat(ds.getTokenFetchTimeout()).isEqualTo(5_000);
            assertThat(ds.getMaximumPoolSize()).isEqualTo(7);
            assertThat(ds.getDataSourceProperties()).containsEntry("ApplicationName", "orders");
        }

        Properties bad = new Properties();
        bad.setProperty("tokenRefreshRatio", "half");
        assertThatThrownBy(() -> new ManagedIdentityDataSource(bad))
                .hasMessageContaining("tokenRefreshRatio must be a number");
        Properties unknown = new Properties();
        unknown.setProperty("managedIdentityClientID", "x");
        assertThatThrownBy(() -> new ManagedIdentityDataSource(unknown))
                .hasMessageContaining("managedIdentityClientID");
    }

    @Test
    void propertiesThatAreNotStringsAreAppliedOrRefusedLikeHikariConfigDoes() {
        Properties p = new Properties();
        p.put("jdbcUrl", PG);
        p.put("username", "app");
        p.put("maximumPoolSize", 3);
        p.put("connectionTimeout", 4_000L);
        p.put("tokenRefreshRatio", 0.7);
        p.put("tokenFetchTimeout", 5_000);
        p.put("allowUnverifiedTransport", Boolean.FALSE);
        p.put("dataSource.ApplicationName", "orders");
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource(p)) {
            assertThat(ds.getMaximumPoolSize()).isEqualTo(3);
            assertThat(ds.getConnectionTimeout()).isEqualTo(4_000);
            assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.7);
            assertThat(ds.getTokenFetchTimeout()).isEqualTo(5_000);
            assertThat(ds.getDataSourceProperties()).containsEntry("ApplicationName", "orders");
        }
        Properties typo = new Properties();
        typo.put("maximumPoolSise", 3); // misspelt, and not a String: HikariConfig(Properties) refuses it too
        assertThatThrownBy(() -> new ManagedIdentityDataSource(typo)).hasMessageContaining("maximumPoolSise");
        Properties badBoolean = new Properties();
        badBoolean.put("allowUnverifiedTransport", "yes");
        assertThatThrownBy(() -> new ManagedIdentityDataSource(badBoolean))
                .hasMessageContaining("allowUnverifiedTransport must be true or false");
    }

    @Test
    void aStartAfterAFailedOneUsesTheCorrectedSettingsAndLeavesNothingOfTheFirstRunning() throws Exception {
        io.github.azuremi.jdbc.internal.token.TokenRegistry registry =
                new io.github.azuremi.jdbc.internal.token.TokenRegistry(
                        io.github.azuremi.jdbc.internal.token.TimeSource.system(),
                        (task, delay) -> new java.util.concurrent.CompletableFuture<>(),
                        Runnable::run,
                        () -> 0.0);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setTokenRegistry(registry);
            ds.setPoolName("retry-db");
            url(ds, "jdbc:postgresql://127.0.0.1:" + closedPort + "/app");
            ds.setTokenCredential(STATIC);
            ds.setTokenScope("https://ossrdbms-aad.database.usgovcloudapi.net/.default");
            assertThatThrownBy(ds::getConnection).hasStackTraceContaining("Connection refused");
            assertThat(registry.keyCount())
                    .as("the failed start keeps no token registered")
                    .isZero();
            assertThat(ds.getTokenDescription()).isNull();

            ds.setTokenScope(null); // corrected: derived from the URL again
            ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/other");
            assertThatThrownBy(ds::getConnection).hasStackTraceContaining("Connection refused");
            ds.validate(); // wires without connecting, as Hikari's start would
            assertThat(ds.getEffectiveTokenScope()).isEqualTo("https://ossrdbms-aad.database.windows.net/.default");
            assertThat(registry.keyCount()).isEqualTo(1);
        }
        assertThat(registry.keyCount()).as("close releases the token").isZero();
    }

    @Test
    void aValidConfigurationDerivesTheScopeFromTheUrlAndSealsOnStart() {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            url(ds, "jdbc:postgresql://srv.postgres.database.usgovcloudapi.net:5432/app");
            ds.setTokenCredential(STATIC);
            ds.validate();
            assertThat(ds.getEffectiveTokenScope())
                    .isEqualTo("https://ossrdbms-aad.database.usgovcloudapi.net/.default");
            assertThat(ds.getPassword()).isNull();
        }
    }

    @Test
    void plaintextIsAcceptedForLoopbackOrWhenExplicitlyAllowed() {
        try (ManagedIdentityDataSource local = new ManagedIdentityDataSource();
                ManagedIdentityDataSource allowed = new ManagedIdentityDataSource()) {
            url(local, "jdbc:postgresql://127.0.0.1:5432/app?sslmode=disable");
            local.setTokenCredential(STATIC);
            local.validate();
            url(allowed, "jdbc:postgresql://db.internal:5432/app?sslmode=disable");
            allowed.setTokenCredential(STATIC);
            allowed.setAllowUnverifiedTransport(true);
            allowed.validate();
            assertThat(allowed.getTokenDescription()).isNotNull();
        }
    }

    @Test
    void theToStringOfTheDataSourceShowsNoSecret() {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            url(ds, PG);
            ds.setPoolName("orders-db");
            assertThat(ds.toString()).isEqualTo("ManagedIdentityDataSource (orders-db)");
        }
    }
}
