package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A setting is what its declaration says, and nothing else: each part given to the builder comes back from the
 * setting, each part left out has its documented absence, and the data source takes a setting's text as its bean
 * declares it (kept as text, parsed to a type, or read as milliseconds). The catalogue is built once per JVM, so
 * these declare their own settings rather than rely on {@link Settings}'s.
 */
class SettingDeclarationTest {

    @Test
    void everyPartGivenToTheBuilder_isWhatTheSettingReports() {
        Setting<String> s = Setting.of("exampleSetting", String.class)
                .byDefault("fallback", "`fallback`")
                .because("a reason")
                .bounds("any text")
                .doc("An example")
                .on(Surface.DATA_SOURCE, Surface.CLI)
                .cli("--example")
                .alias("azure.example")
                .alias("azure.exampleOwnUnit", (spelt, text) -> "own:" + text)
                .blankIsAMistake()
                .parser((spelt, text) -> text.trim())
                .check((spelt, v) -> v.startsWith("bad") ? spelt + " is bad" : null)
                .bean(ManagedIdentityDataSource::getTenantId, ManagedIdentityDataSource::setTenantId, String.class)
                .build();

        assertThat(s.name()).isEqualTo("exampleSetting");
        assertThat(s.toString()).as("a setting shows as its name").isEqualTo("exampleSetting");
        assertThat(s.type()).isEqualTo(String.class);
        assertThat(s.defaultValue()).isEqualTo("fallback");
        assertThat(s.defaultText()).isEqualTo("`fallback`");
        assertThat(s.reason()).isEqualTo("a reason");
        assertThat(s.bounds()).isEqualTo("any text");
        assertThat(s.description()).isEqualTo("An example");
        assertThat(s.acceptedOn(Surface.DATA_SOURCE)).isTrue();
        assertThat(s.acceptedOn(Surface.CLI)).isTrue();
        assertThat(s.acceptedOn(Surface.SPRING)).isFalse();
        assertThat(s.acceptedOn(Surface.PLUGIN)).isFalse();
        assertThat(s.cliFlag()).isEqualTo("--example");
        assertThat(s.aliases())
                .extracting(Setting.Alias::name)
                .containsExactly("azure.example", "azure.exampleOwnUnit");
        assertThat(s.blankIsUnset()).isFalse();
        assertThat(s.springName()).isEqualTo("example-setting");
        assertThat(s.settableFromText()).isTrue();
    }

    @Test
    void anAliasWithoutAParserOfItsOwn_isParsedAsTheSetting_andOneWithIts_byIts() {
        Setting<Duration> s = Setting.of("waitMillis", Duration.class)
                .doc("A wait")
                .on(Surface.PLUGIN)
                .alias("azure.waitMillis")
                .alias("azure.waitSeconds", (spelt, text) -> Duration.ofSeconds(Long.parseLong(text)))
                .parser((spelt, text) -> Duration.ofMillis(Long.parseLong(text)))
                .build();

        assertThat(s.parse("waitMillis", "waitMillis", "5")).isEqualTo(Duration.ofMillis(5));
        assertThat(s.parse("azure.waitMillis", "azure.waitMillis", "5")).isEqualTo(Duration.ofMillis(5));
        assertThat(s.parse("azure.waitSeconds", "azure.waitSeconds", "5")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aCheckNamesTheSettingAsSpelt_andPassesAnAcceptableValue() {
        Setting<String> s = Setting.of("exampleSetting", String.class)
                .doc("An example")
                .on(Surface.SPRING)
                .parser((spelt, text) -> text)
                .check((spelt, v) -> v.startsWith("bad") ? spelt + " is bad" : null)
                .build();

        assertThat(s.problem("spring.example-setting", "bad value")).isEqualTo("spring.example-setting is bad");
        assertThat(s.problem("spring.example-setting", "good value")).isNull();
    }

    @Test
    void whatADeclarationLeavesOut_hasItsDocumentedAbsence() {
        Setting<Boolean> s = Setting.of("plainSwitch", Boolean.class)
                .doc("A switch")
                .on(Surface.PLUGIN)
                .parser(SettingValues::parseBoolean)
                .build();

        assertThat(s.defaultValue()).isNull();
        assertThat(s.defaultText()).isEqualTo("unset");
        assertThat(s.reason()).isNull();
        assertThat(s.bounds()).isNull();
        assertThat(s.cliFlag()).isNull();
        assertThat(s.aliases()).isEmpty();
        assertThat(s.blankIsUnset())
                .as("a blank text is unset unless declared a mistake")
                .isTrue();
        assertThat(s.problem("plainSwitch", true))
                .as("no check: every parsed value will do")
                .isNull();
        assertThat(s.settableFromText()).isFalse();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            assertThat(s.valueOn(ds)).as("no getter: unset on a data source").isNull();
            assertThatThrownBy(() -> s.applyText(ds, "-Dazuremi.plainSwitch", "true"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("-Dazuremi.plainSwitch cannot be set from text (only in code)");
        }
    }

    @Test
    void aDefaultTextAlone_leavesTheDefaultValueUnset() {
        Setting<String> s = Setting.of("derived", String.class)
                .defaultText("from the URL")
                .doc("Derived when unset")
                .on(Surface.DATA_SOURCE)
                .parser((spelt, text) -> text)
                .build();

        assertThat(s.defaultText()).isEqualTo("from the URL");
        assertThat(s.defaultValue()).isNull();
    }

    @Test
    void aSettingWithoutADescriptionOrAParser_isRefusedWhenDeclared_namingIt() {
        assertThatThrownBy(() -> Setting.of("undocumented", String.class)
                        .on(Surface.DATA_SOURCE)
                        .parser((spelt, text) -> text)
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("description of undocumented");
        assertThatThrownBy(() -> Setting.of("unparsed", String.class)
                        .doc("No parser")
                        .on(Surface.DATA_SOURCE)
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("parser of unparsed");
    }

    @Test
    void aSettingTheDataSourceKeepsAsText_reachesItUnparsed() {
        // the data source's own validate() reports a wrong text later, naming every problem at once
        Setting<String> s = Setting.of("tenantId", String.class)
                .doc("A tenant")
                .on(Surface.DATA_SOURCE)
                .parser((spelt, text) -> {
                    throw new IllegalArgumentException(spelt + " was parsed");
                })
                .bean(ManagedIdentityDataSource::getTenantId, ManagedIdentityDataSource::setTenantId, String.class)
                .build();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            s.applyText(ds, "tenantId", " not a tenant ");
            assertThat(ds.getTenantId()).isEqualTo(" not a tenant ");
            assertThat(s.valueOn(ds)).isEqualTo(" not a tenant ");
        }
    }

    @Test
    void aTypedSetting_isParsedUnderTheNameAsSpeltBeforeTheDataSourceTakesIt() {
        Setting<Double> s = Setting.of("tokenRefreshRatio", Double.class)
                .doc("A ratio")
                .on(Surface.DATA_SOURCE)
                .parser(SettingValues::parseDouble)
                .bean(
                        ManagedIdentityDataSource::getTokenRefreshRatio,
                        ManagedIdentityDataSource::setTokenRefreshRatio,
                        Double.class)
                .build();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            s.applyText(ds, "refreshRatio", " 0.7 ");
            assertThat(ds.getTokenRefreshRatio()).isEqualTo(0.7);
            assertThat(s.valueOn(ds)).isEqualTo(0.7);
            assertThatThrownBy(() -> s.applyText(ds, "refreshRatio", "soon"))
                    .hasMessage("refreshRatio must be a number such as 0.5, was \"soon\"");
        }
    }

    @Test
    void aDurationOfTheDataSource_isItsMilliseconds() {
        Setting<Duration> s = Setting.of("tokenFetchTimeout", Duration.class)
                .doc("A timeout")
                .on(Surface.DATA_SOURCE)
                .parser((spelt, text) -> Duration.ofMillis(SettingValues.parseMillis(spelt, text)))
                .beanMillis(
                        ManagedIdentityDataSource::getTokenFetchTimeout,
                        ManagedIdentityDataSource::setTokenFetchTimeout)
                .build();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            s.applyText(ds, "tokenFetchTimeout", "7s");
            assertThat(ds.getTokenFetchTimeout()).isEqualTo(7_000);
            assertThat(s.valueOn(ds)).isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void theCataloguesTimingsReadTheDataSourceInItsMilliseconds() {
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setTokenFetchTimeout(7_000);
            assertThat(Settings.FETCH_TIMEOUT.valueOn(ds)).isEqualTo(Duration.ofSeconds(7));
            Settings.EXPIRY_MARGIN.applyText(ds, "tokenExpiryMargin", "45s");
            assertThat(ds.getTokenExpiryMargin()).isEqualTo(45_000);
        }
    }
}
