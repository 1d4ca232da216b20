package io.github.azuremi.jdbc.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The documentation's settings tables (docs/configuration.md, docs/spring-boot.md, docs/driver-plugins.md) and Spring
 * Boot's configuration metadata say what the catalogue says: a setting added, renamed or given another default in
 * {@link Settings} fails here until the docs follow.
 */
class SettingsDocumentationTest {

    private static final String CONFIGURATION = "docs/configuration.md";
    private static final String SPRING_BOOT = "docs/spring-boot.md";
    private static final String DRIVER_PLUGINS = "docs/driver-plugins.md";

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+?) \\|");

    @Test
    void theSettingsTableListsEverySettingOfTheDataSourceWithItsDefault() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        Settings.on(Surface.DATA_SOURCE).forEach(s -> expected.put(s.name(), s.defaultText()));
        assertThat(table(section(CONFIGURATION, "## Settings")))
                .as(fix(CONFIGURATION + ", section Settings"))
                .isEqualTo(expected);
    }

    @Test
    void theSpringBootTableListsEverySpringPropertyWithItsDefault() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        for (Setting<?> s : Settings.on(Surface.SPRING)) {
            expected.put(
                    s.springName(),
                    s.defaultValue() == null
                            ? s.defaultText()
                            : "`" + SpringMetadata.springDefault(s.defaultValue()) + "`");
        }
        assertThat(table(section(SPRING_BOOT, "## Properties")))
                .as(fix(SPRING_BOOT + ", section Properties"))
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void thePluginPageNamesEveryAzureIdentityExtensionsNameThePluginsAccept() throws IOException {
        String plugins = section(DRIVER_PLUGINS, "## Settings");
        int start = plugins.indexOf("azure-identity-extensions' names are accepted too (");
        assertThat(start).as("the sentence that lists the azure.* names").isNotNegative();
        String sentence = plugins.substring(start, plugins.indexOf(')', start));
        List<String> listed = Pattern.compile("`(azure\\.[A-Za-z]+)`")
                .matcher(sentence)
                .results()
                .map(m -> m.group(1))
                .toList();
        assertThat(listed)
                .as(fix(DRIVER_PLUGINS + ", section Settings"))
                .containsExactlyInAnyOrderElementsOf(SettingNames.azureNames());
    }

    @Test
    void theBuildWritesSpringMetadataGeneratedFromTheCatalogue() throws IOException {
        // written by exec-maven-plugin in process-classes (pom.xml, execution spring-metadata)
        Path built = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
        assertThat(built).as("run: mvn process-classes").exists();
        assertThat(Files.readString(built, StandardCharsets.UTF_8)).isEqualTo(SpringMetadata.json());
        for (Setting<?> s : Settings.on(Surface.SPRING)) {
            assertThat(SpringMetadata.json()).contains("\"" + Settings.SPRING_PREFIX + "." + s.springName() + "\"");
        }
    }

    @Test
    void everySettingIsDeclaredOnceUnderOneNameAndEveryAliasIsAzureIdentityExtensions() {
        List<String> names = Settings.ALL.stream().map(Setting::name).toList();
        assertThat(names).doesNotHaveDuplicates();
        for (Setting<?> s : Settings.ALL) {
            assertThat(s.description()).as(s.name()).isNotBlank().doesNotContain("\n");
            s.aliases().forEach(a -> assertThat(a.name()).startsWith("azure.").isNotIn(names));
            if (s.formerName() != null) {
                assertThat(s.formerName()).isNotIn(names);
            }
            if (s.cliFlag() != null) {
                assertThat(s.acceptedOn(Surface.CLI)).as(s.name()).isTrue();
            }
        }
    }

    @Test
    void aFormerNameIsNamedInTheTablesRowsAndInSpringMetadataAsDeprecated() throws IOException {
        String settings = section(CONFIGURATION, "## Settings");
        String spring = section(SPRING_BOOT, "## Properties");
        List<Setting<?>> renamed =
                Settings.ALL.stream().filter(s -> s.formerName() != null).toList();
        assertThat(renamed)
                .as("allowTokenWithoutTls became allowUnverifiedTransport")
                .isNotEmpty();
        for (Setting<?> s : renamed) {
            assertThat(row(settings, s.name()))
                    .as(fix(CONFIGURATION + ", section Settings"))
                    .contains("ormerly `" + s.formerName() + "`");
            assertThat(row(spring, s.springName()))
                    .as(fix(SPRING_BOOT + ", section Properties"))
                    .contains("ormerly `" + Setting.kebab(s.formerName()) + "`");
            assertThat(SpringMetadata.json())
                    .contains("{\"name\": \"" + Settings.SPRING_PREFIX + "." + Setting.kebab(s.formerName()) + "\"")
                    .contains("\"deprecation\": {\"level\": \"warning\", \"replacement\": \"" + Settings.SPRING_PREFIX
                            + "." + s.springName() + "\"}");
        }
    }

    private static String row(String section, String name) {
        return section.lines()
                .filter(l -> l.startsWith("| `" + name + "` |"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row in the docs' table for " + name));
    }

    private static String fix(String where) {
        return "the catalogue (internal/config/Settings.java) and " + where + " differ: change the docs to match";
    }

    private static Map<String, String> table(String section) {
        Map<String, String> rows = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : section.split("\n")) {
            if (line.startsWith("|---")) {
                inTable = true;
                continue;
            }
            Matcher m = ROW.matcher(line);
            if (inTable && m.find()) {
                rows.put(m.group(1), m.group(2).trim());
            } else if (inTable && !line.startsWith("|")) {
                break; // the first table of the section
            }
        }
        return rows;
    }

    private static String section(String file, String heading) throws IOException {
        String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        int start = text.indexOf("\n" + heading + "\n");
        assertThat(start).as(heading).isNotNegative();
        int end = text.indexOf("\n#", start + heading.length() + 2);
        while (end >= 0 && isInCodeBlock(text, end)) {
            end = text.indexOf("\n#", end + 2);
        }
        return text.substring(start + 1, end < 0 ? text.length() : end);
    }

    private static boolean isInCodeBlock(String text, int at) {
        int fences = 0;
        for (int i = text.indexOf("```"); i >= 0 && i < at; i = text.indexOf("```", i + 3)) {
            fences++;
        }
        return fences % 2 == 1;
    }
}
