package io.github.azuremi.jdbc.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.internal.db.Dialect;
import org.junit.jupiter.api.Test;

/** The one scope decision of every surface: a named scope is checked, else the host's or the authority's cloud. */
class LoginScopeTest {

    private static final String AZURE_PG = "https://ossrdbms-aad.database.windows.net/.default";
    private static final String USGOV_PG = "https://ossrdbms-aad.database.usgovcloudapi.net/.default";

    @Test
    void aNamedDatabaseScopeIsUsedTrimmed_whateverTheHost() {
        assertThat(LoginScope.choose(Dialect.POSTGRESQL, "  " + USGOV_PG + " ", null, "srv.example", "hint"))
                .isEqualTo(USGOV_PG);
    }

    @Test
    void aNamedScopeOfAnotherServiceIsRefused_endingWithTheSurfacesHint() {
        assertThatThrownBy(() -> LoginScope.choose(
                        Dialect.POSTGRESQL,
                        "https://vault.azure.net/.default",
                        null,
                        "srv.postgres.database.azure.com",
                        "Leave it unset"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tokenScope https://vault.azure.net/.default is not a database audience")
                .hasMessageEndingWith(". Leave it unset");
    }

    @Test
    void withoutANamedScopeTheHostsCloudDecides() {
        assertThat(LoginScope.choose(Dialect.POSTGRESQL, null, null, "srv.postgres.database.usgovcloudapi.net", "hint"))
                .isEqualTo(USGOV_PG);
        assertThat(LoginScope.derived(Dialect.POSTGRESQL, null, "srv.postgres.database.azure.com"))
                .isEqualTo(AZURE_PG);
    }

    @Test
    void theAuthorityHostsCloudDecidesForAHostThatNamesNoCloud() {
        assertThat(LoginScope.derived(Dialect.POSTGRESQL, "usgovcloudapi.net", "pg.internal.example"))
                .isEqualTo(USGOV_PG);
        assertThat(LoginScope.derived(Dialect.POSTGRESQL, "usgovcloudapi.net", null))
                .as("no host")
                .isEqualTo(USGOV_PG);
    }

    @Test
    void theAuthorityHostAndAHostOfTheSameCloudAgree_inAnyCase() {
        assertThat(LoginScope.derived(
                        Dialect.POSTGRESQL, "usgovcloudapi.net", "SRV.POSTGRES.DATABASE.USGOVCLOUDAPI.NET"))
                .isEqualTo(USGOV_PG);
    }

    @Test
    void anAuthorityHostOfAnotherCloudThanTheHostsIsRefusedNamingBoth() {
        assertThatThrownBy(() -> LoginScope.derived(Dialect.SQLSERVER, "usgovcloudapi.net", "srv.database.windows.net"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("azure.authorityHost names the cloud of usgovcloudapi.net, but the server "
                        + "srv.database.windows.net is in another cloud (its tokens are for "
                        + "https://database.windows.net/.default); remove azure.authorityHost");
        assertThatThrownBy(() -> LoginScope.choose(
                        Dialect.POSTGRESQL, null, "windows.net", "srv.postgres.database.chinacloudapi.cn", "hint"))
                .hasMessageContaining("remove azure.authorityHost");
    }

    @Test
    void sqlServerTakesTheAudienceTheServerAnnounces_ifItIsADatabases() {
        assertThat(LoginScope.announcedBy("https://database.usgovcloudapi.net/", null))
                .isEqualTo("https://database.usgovcloudapi.net/.default");
        assertThatThrownBy(() -> LoginScope.announcedBy("https://management.azure.com/", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a database audience");
    }
}
