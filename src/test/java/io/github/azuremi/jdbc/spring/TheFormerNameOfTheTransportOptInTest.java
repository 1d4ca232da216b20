package io.github.azuremi.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.SettingNames;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@code allowUnverifiedTransport} was called {@code allowTokenWithoutTls}, a name that undersold it (it also lets the
 * token over TLS that verifies nothing). The former name still sets it on every surface for one release, and whoever
 * uses it is told the new name; the new name alone is quiet.
 */
class TheFormerNameOfTheTransportOptInTest {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureWarnings() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void release() {
        root().detachAppender(logs);
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedBeanSetter_setsTheOptIn() {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setAllowTokenWithoutTls(true);
        assertThat(ds.isAllowUnverifiedTransport()).isTrue();
        ds.close();
    }

    @Test
    void propertiesUnderTheFormerName_setTheOptIn_andAWarningNamesTheNewName() {
        Properties p = new Properties();
        p.setProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/test");
        p.setProperty("allowTokenWithoutTls", "true");
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource(p)) {
            assertThat(ds.isAllowUnverifiedTransport()).isTrue();
        }
        assertThat(warnings())
                .anySatisfy(w ->
                        assertThat(w).contains("allowTokenWithoutTls is the former name of allowUnverifiedTransport"));
    }

    @Test
    void springUnderTheFormerKebabName_setsTheOptIn_andAWarningNamesTheNewProperty() {
        Binder binder = new Binder(new MapConfigurationPropertySource(
                Map.of("spring.datasource.azure-managed-identity.allow-token-without-tls", "true")));
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ManagedIdentityDataSourceProperties.applyTo(binder, ds);
            assertThat(ds.isAllowUnverifiedTransport()).isTrue();
        }
        assertThat(warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains(
                                "spring.datasource.azure-managed-identity.allow-token-without-tls is the former name of "
                                        + "spring.datasource.azure-managed-identity.allow-unverified-transport"));
    }

    @Test
    void springUnderTheNewName_isQuiet() {
        Binder binder = new Binder(new MapConfigurationPropertySource(
                Map.of("spring.datasource.azure-managed-identity.allow-unverified-transport", "true")));
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ManagedIdentityDataSourceProperties.applyTo(binder, ds);
            assertThat(ds.isAllowUnverifiedTransport()).isTrue();
        }
        assertThat(warnings()).noneSatisfy(w -> assertThat(w).contains("former name"));
    }

    @Test
    void aDriverPluginUnderTheFormerName_setsTheOptIn_andItsWarningsNameTheNewName() {
        Properties url = new Properties();
        url.setProperty("allowTokenWithoutTls", "true");
        url.setProperty("tokenFetchTimeout", "20001"); // a configuration of its own: PluginSettings remembers results
        PluginSettings settings = PluginSettings.read(url, "the JDBC URL");
        assertThat(settings.allowUnverifiedTransport()).isTrue();
        assertThat(settings.warnings())
                .containsExactly("allowTokenWithoutTls is the former name of allowUnverifiedTransport, which it still "
                        + "sets for this release; rename it to allowUnverifiedTransport");
        assertThat(SettingNames.isPluginSetting("allowTokenWithoutTls")).isTrue();
    }

    @Test
    void theFormerAndTheNewNameDisagreeing_isRefusedNamingBoth() {
        Properties url = new Properties();
        url.setProperty("allowTokenWithoutTls", "true");
        url.setProperty("allowUnverifiedTransport", "false");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PluginSettings.read(url, "the JDBC URL"))
                .hasMessageContaining("allowUnverifiedTransport=\"false\" and allowTokenWithoutTls=\"true\" differ");
    }

    @Test
    void propertiesWithTheFormerAndTheNewNameDisagreeing_areRefusedNamingBoth_notDecidedByHashOrder() {
        // Properties (and so JNDI attributes) gave the opt-in to whichever name came last out of a hash set: a user who
        // wrote allowUnverifiedTransport=false next to an old allowTokenWithoutTls=true could get true
        Properties p = new Properties();
        p.setProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/test");
        p.setProperty("allowTokenWithoutTls", "true");
        p.setProperty("allowUnverifiedTransport", "false");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ManagedIdentityDataSource(p).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allowUnverifiedTransport=\"false\" and allowTokenWithoutTls=\"true\" differ");
    }

    @Test
    void springWithTheFormerAndTheNewNameDisagreeing_isRefusedNamingBoth() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "spring.datasource.azure-managed-identity.allow-token-without-tls", "true",
                "spring.datasource.azure-managed-identity.allow-unverified-transport", "false")));
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> ManagedIdentityDataSourceProperties.applyTo(binder, ds))
                    .hasMessageContaining("differ");
            assertThat(ds.isAllowUnverifiedTransport()).isFalse();
        }
    }

    @Test
    void propertiesSpellingTheOptInInAnotherCase_areRefusedAsOnTheDriverPlugins() {
        // HikariCP's PropertyElf capitalises the first letter to find a setter: AllowUnverifiedTransport reached
        // setAllowUnverifiedTransport past this library's checks (and could outvote allowUnverifiedTransport=false)
        Properties p = new Properties();
        p.setProperty("jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/test");
        p.setProperty("AllowUnverifiedTransport", "true");
        p.setProperty("allowUnverifiedTransport", "false");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ManagedIdentityDataSource(p).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AllowUnverifiedTransport")
                .hasMessageContaining("allowUnverifiedTransport");
    }

    private List<String> warnings() {
        return logs.list.stream()
                .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
