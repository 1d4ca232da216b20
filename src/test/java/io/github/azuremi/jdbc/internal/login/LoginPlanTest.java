package io.github.azuremi.jdbc.internal.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The one route every surface makes: credentials, transport, scope, user, token key. */
class LoginPlanTest {

    private static final String PG =
            "jdbc:postgresql://srv.postgres.database.usgovcloudapi.net:5432/app?sslmode=verify-full";

    private static IdentitySettings settings(String... nameValues) {
        SettingSource source = new SettingSource(Surface.PLUGIN);
        for (int i = 0; i < nameValues.length; i += 2) {
            source.put(nameValues[i], nameValues[i + 1]);
        }
        return IdentitySettings.checkOrThrow(source);
    }

    @Test
    void theScopeIsDerivedFromTheHostsCloud_andTheKeyCarriesScopeAndTenant() {
        Target target = LoginPlan.target(Dialect.POSTGRESQL, PG, new Properties(), "app", false);
        LoginPlan plan = LoginPlan.of(target, settings("tenantId", "contoso.onmicrosoft.com"), "app", "hint");

        assertThat(plan.scope()).isEqualTo("https://ossrdbms-aad.database.usgovcloudapi.net/.default");
        assertThat(plan.username()).isEqualTo("app");
        assertThat(plan.dialect()).isSameAs(Dialect.POSTGRESQL);
        TokenKey key = plan.tokenKey(CredentialSource.of("id", "test credential", () -> null));
        assertThat(key.scope()).isEqualTo(plan.scope());
        assertThat(key.tenantId()).isEqualTo("contoso.onmicrosoft.com");
    }

    @Test
    void aNamedScopeOfAnotherServiceIsRefused_withTheHintOfTheSurface() {
        Target target = LoginPlan.target(Dialect.POSTGRESQL, PG, new Properties(), "app", false);
        IdentitySettings arm = settings("tokenScope", "https://management.azure.com/.default");

        assertThatThrownBy(() -> LoginPlan.of(target, arm, "app", LoginPlan.POOL_SCOPE_HINT))
                .hasMessageContaining("is not a database audience")
                .hasMessageEndingWith(". Leave tokenScope unset to derive it from jdbcUrl");
        assertThatThrownBy(() -> LoginPlan.of(target, arm, "app", LoginPlan.PLUGIN_SCOPE_HINT))
                .hasMessageEndingWith(
                        ". Leave tokenScope (and azure.scopes) unset to derive it from the server's host");
    }

    @Test
    void sqlServerLogsInWithoutAUser_andItsRouteRefusesOne() {
        String url = "jdbc:sqlserver://srv.database.windows.net:1433;databaseName=app";
        Target target = LoginPlan.target(Dialect.SQLSERVER, url, new Properties(), null, false);

        assertThat(LoginPlan.of(target, settings(), "ignored", "hint").username())
                .isNull();
        assertThatThrownBy(() -> LoginPlan.target(Dialect.SQLSERVER, url, new Properties(), "app", false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTransportThatDoesNotVerifyTheServerIsRefused_unlessAllowed() {
        String clear = "jdbc:postgresql://srv.postgres.database.azure.com:5432/app?sslmode=require";

        assertThatThrownBy(() -> LoginPlan.target(Dialect.POSTGRESQL, clear, new Properties(), "app", false))
                .hasMessageContaining("allowUnverifiedTransport");
        assertThat(LoginPlan.target(Dialect.POSTGRESQL, clear, new Properties(), "app", true)
                        .firstHost())
                .isEqualTo("srv.postgres.database.azure.com");
        assertThat(LoginPlan.hostOf(Dialect.POSTGRESQL, clear)).isEqualTo("srv.postgres.database.azure.com");
    }
}
