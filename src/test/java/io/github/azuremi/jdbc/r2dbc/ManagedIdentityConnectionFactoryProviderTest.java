package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an {@code r2dbc:azuremi:} URL is turned into, decided before any token is fetched: the same settings as the
 * JDBC plugins, verified TLS unless the user chose a mode, and a refusal, naming the option and the fix, of a
 * transport that would hand the token to whoever answers.
 */
class ManagedIdentityConnectionFactoryProviderTest {

    private static final String REMOTE =
            "r2dbc:azuremi:postgresql://app@mydb.postgres.database.azure.com/app?applicationName=test";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final List<Closeable> opened = new ArrayList<>();

    @BeforeEach
    void reset() {
        endpoint.reset();
    }

    @AfterEach
    void close() throws IOException {
        for (Closeable c : opened) {
            c.close();
        }
        assertThat(endpoint.requestCount())
                .as("no token is fetched before a connection is")
                .isZero();
    }

    private ConnectionFactory open(String url) {
        ConnectionFactory factory = ConnectionFactories.get(url);
        ConnectionFactory ours = factory instanceof ConnectionPool pool ? pool.unwrap() : factory;
        opened.add((Closeable) ours);
        if (factory instanceof ConnectionPool pool) {
            opened.add(0, pool::dispose);
        }
        return factory;
    }

    @Test
    void theProviderIsFoundThroughR2dbcDiscoveryForItsDriverName() {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(REMOTE);
        assertThat(options.getValue(ConnectionFactoryOptions.DRIVER)).isEqualTo("azuremi");
        assertThat(new ManagedIdentityConnectionFactoryProvider().supports(options))
                .isTrue();
        assertThat(ConnectionFactories.supports(options)).isTrue();
        assertThat(open(REMOTE).getMetadata().getName()).isEqualTo("PostgreSQL");
    }

    @Test
    void r2dbcPoolComposesWithIt() {
        ConnectionFactory factory = open(REMOTE.replace("r2dbc:azuremi:", "r2dbc:pool:azuremi:"));
        assertThat(factory).isInstanceOf(ConnectionPool.class);
        assertThat(((ConnectionPool) factory).unwrap().getClass().getSimpleName())
                .isEqualTo("TokenLoginConnectionFactory");
    }

    @Test
    void aModeThatDoesNotVerifyTheServerIsRefusedTowardsAnotherMachineNamingTheOptionAndTheFix() {
        for (String mode : List.of("disable", "allow", "prefer", "require", "verify-ca")) {
            assertThatThrownBy(() -> open(REMOTE + "&sslMode=" + mode))
                    .as(mode)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sslMode=" + mode)
                    .hasMessageContaining("mydb.postgres.database.azure.com")
                    .hasMessageContaining("use sslMode=verify-full")
                    .hasMessageContaining("allowUnverifiedTransport=true");
        }
        assertThatThrownBy(() -> open(REMOTE + "&sslmode=require")).hasMessageContaining("sslmode=require");
        assertThatThrownBy(() -> open(REMOTE + "&ssl=false")).hasMessageContaining("ssl=false");
    }

    @Test
    void replacingTheDriversVerificationIsRefusedTowardsAnotherMachine() {
        assertThatThrownBy(() -> open(REMOTE + "&sslMode=verify-full&sslHostnameVerifier="
                        + "org.apache.http.conn.ssl.NoopHostnameVerifier"))
                .hasMessageContaining("sslHostnameVerifier");
        ConnectionFactoryOptions customized = ConnectionFactoryOptions.builder()
                .from(ConnectionFactoryOptions.parse(REMOTE))
                .option(io.r2dbc.spi.Option.valueOf("sslContextBuilderCustomizer"), (Object)
                        java.util.function.Function.identity())
                .build();
        assertThatThrownBy(() -> ConnectionFactories.get(customized))
                .hasMessageContaining("sslContextBuilderCustomizer");
    }

    @Test
    void theOptInLetsAnUnverifiedModeThroughAndVerifiedTlsOrThisMachineNeedNone() {
        open(REMOTE + "&sslMode=require&allowUnverifiedTransport=true");
        open(REMOTE + "&sslMode=verify-full");
        open(REMOTE + "&ssl=true");
        open(REMOTE);
        open("r2dbc:azuremi:postgresql://app@127.0.0.1/app?sslMode=disable");
        open("r2dbc:azuremi:postgresql://app@localhost/app?sslMode=disable");
    }

    @Test
    void theJdbcPluginsSettingsAndAzureNamesAreReadAndCheckedAlike() {
        open(REMOTE + "&azure.clientId=7d5f8c3e-3c5e-4a43-9d9b-6c1f8d2a9e10&azure.managedIdentityEnabled=true");
        assertThatThrownBy(() -> open(REMOTE + "&azure.clientSecret=s3cr3t-value"))
                .hasMessageContaining("azure.clientSecret is a secret")
                .hasMessageContaining("the R2DBC URL or options")
                .hasMessageNotContaining("s3cr3t-value");
        assertThatThrownBy(() -> open(REMOTE + "&credential=managed-identity&managedIdentityClientId=not-a-guid"))
                .hasMessageContaining("managedIdentityClientId");
        assertThatThrownBy(() -> open(REMOTE + "&tokenScope=https://management.azure.com/.default"))
                .hasMessageContaining("tokenScope");
    }

    @Test
    void aPasswordIsRefusedForTheTokenIsThePasswordAndItsValueIsNotRepeated() {
        assertThatThrownBy(() -> open(REMOTE.replace("app@", "app:hunter2-secret@")))
                .hasMessageContaining("password is set")
                .hasMessageNotContaining("hunter2-secret");
    }

    @Test
    void mariadbGetsVerifiedTlsByDefaultAndAnUnverifiedModeTowardsAnotherMachineIsRefused() {
        String remote = "r2dbc:azuremi:mariadb://app@mydb.mysql.database.azure.com/app?connectTimeout=PT5S";
        assertThat(open(remote).getMetadata().getName()).isEqualTo("MariaDB");
        open(remote + "&sslMode=verify-full&serverSslCert=" + io.github.azuremi.jdbc.testsupport.TestTls.caFile());
        open(remote + "&sslMode=trust&allowUnverifiedTransport=true");
        open("r2dbc:azuremi:mariadb://app@127.0.0.1/app?sslMode=disable");
        for (String mode : List.of("disable", "trust", "verify-ca")) {
            assertThatThrownBy(() -> open(remote + "&sslMode=" + mode))
                    .as(mode)
                    .hasMessageContaining("sslMode=" + mode)
                    .hasMessageContaining("mydb.mysql.database.azure.com")
                    .hasMessageContaining("use sslMode=verify-full")
                    .hasMessageContaining("allowUnverifiedTransport=true");
        }
        assertThatThrownBy(() -> open(remote + "&ssl=true")).hasMessageContaining("ssl=true without sslMode");
        assertThatThrownBy(() -> open(remote + "&sslTunnelDisableHostVerification=true"))
                .hasMessageContaining("sslTunnelDisableHostVerification");
    }

    @Test
    void whenTheDriverRefusesItsOptionsNoTokenLeaseIsLeftBehind() {
        int keys = io.github.azuremi.jdbc.internal.token.TokenRegistry.shared().keyCount();
        assertThatThrownBy(() -> open(REMOTE + "&fetchSize=not-a-number")).hasMessageContaining("fetchSize");
        assertThatThrownBy(() -> open("r2dbc:azuremi:mariadb://app@mydb.mysql.database.azure.com/app"
                        + "?serverSslCert=/no/such/ca.pem"))
                .hasMessageContaining("serverSslCert");
        assertThat(io.github.azuremi.jdbc.internal.token.TokenRegistry.shared().keyCount())
                .isEqualTo(keys);
    }

    @Test
    void sqlServerIsRefusedWithTheReasonAndWhatToUseInstead() {
        assertThatThrownBy(() -> open("r2dbc:azuremi:mssql://myserver.database.windows.net/app"))
                .hasMessageContaining("no Entra (federated) authentication")
                .hasMessageContaining("ManagedIdentityDataSource");
    }

    @Test
    void aUrlWithoutTheDatabaseDriverSaysWhatToWrite() {
        assertThatThrownBy(() -> ConnectionFactories.get(ConnectionFactoryOptions.builder()
                        .option(ConnectionFactoryOptions.DRIVER, "azuremi")
                        .option(ConnectionFactoryOptions.HOST, "mydb.postgres.database.azure.com")
                        .build()))
                .hasMessageContaining("r2dbc:azuremi:postgresql://");
    }
}
