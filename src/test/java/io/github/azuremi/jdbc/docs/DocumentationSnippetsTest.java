package io.github.azuremi.jdbc.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.docs.Markdown.Block;
import io.github.azuremi.jdbc.docs.Markdown.Link;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every fenced block of README.md, CONTRIBUTING.md and docs/*.md is compiled or checked against the code, so that a
 * snippet cannot drift from the API, the settings catalogue or the build (CONTRIBUTING.md, "Documentation snippets",
 * says what each kind of block must satisfy and how a block's info string changes its wrapping). The links between
 * these files, and their anchors, must resolve.
 */
class DocumentationSnippetsTest {

    /** The languages this test knows how to check; a block of another one fails. */
    private static final Set<String> LANGUAGES = Set.of("java", "xml", "yaml", "properties", "bash", "text", "sql");

    /**
     * Pages that other changes of issue 20 and 19 add (release process, cold start, R2DBC features): linked already,
     * checked like every other page as soon as they exist.
     */
    private static final Set<String> PENDING_PAGES =
            Set.of("RELEASING.md", "docs/cold-start.md", "docs/r2dbc-features.md");

    private static final Path ROOT = Path.of("");
    private static final List<Markdown> DOCS =
            Markdown.documentationFiles().stream().map(Markdown::read).collect(Collectors.toList());
    private static final SnippetChecks CHECKS = new SnippetChecks(ROOT.toAbsolutePath());

    private static List<Block> blocks(String language) {
        return DOCS.stream()
                .flatMap(md -> md.blocks.stream())
                .filter(b -> b.language().equals(language))
                .collect(Collectors.toList());
    }

    private static Stream<DynamicTest> each(String language, Function<Block, List<String>> check) {
        return blocks(language).stream()
                .map(b -> DynamicTest.dynamicTest(
                        b.where(),
                        () -> assertThat(check.apply(b))
                                .as("%s:%n%s", b.where(), b.text())
                                .isEmpty()));
    }

    @Test
    void everyBlockIsOfALanguageThisTestChecksAndEveryKindIsThere() {
        Map<String, Integer> count = new HashMap<>();
        for (Markdown md : DOCS) {
            for (Block b : md.blocks) {
                assertThat(LANGUAGES)
                        .as(b.where() + ": a block this test cannot check")
                        .contains(b.language());
                count.merge(b.language(), 1, Integer::sum);
            }
        }
        // a parser that found nothing would make every other test here pass
        assertThat(count).containsKeys("java", "xml", "yaml", "properties", "bash", "text", "sql");
        assertThat(count.get("java")).isGreaterThanOrEqualTo(8);
    }

    @TestFactory
    Stream<DynamicTest> javaBlocksCompileAgainstTheTestClasspath() {
        List<Block> compiled = blocks("java").stream()
                .filter(b -> b.attribute("consumer") == null)
                .collect(Collectors.toList());
        Map<Block, List<String>> errors = JavaSnippets.compile(compiled, Path.of("target", "doc-snippets", "classes"));
        return compiled.stream()
                .map(b -> DynamicTest.dynamicTest(
                        b.where(),
                        () -> assertThat(errors.get(b))
                                .as(
                                        "%s compiled as%n%s",
                                        b.where(), JavaSnippets.numbered(JavaSnippets.source("DocSnippet", b)))
                                .isEmpty()));
    }

    @TestFactory
    Stream<DynamicTest> javaBlocksOfAConsumerParseAndNameOnlyWhatTheConsumerUses() {
        return blocks("java").stream()
                .filter(b -> b.attribute("consumer") != null)
                .map(b -> DynamicTest.dynamicTest(b.where(), () -> {
                    assertThat(JavaSnippets.syntaxErrors(b)).as(b.where()).isEmpty();
                    Path consumer = Path.of("consumers", b.attribute("consumer"), "src");
                    assertThat(consumer)
                            .as(b.where() + ": the consumer project")
                            .isDirectory();
                    String sources;
                    try (Stream<Path> files = Files.walk(consumer)) {
                        List<String> texts = new ArrayList<>();
                        for (Path f : files.filter(f -> f.toString().endsWith(".java"))
                                .collect(Collectors.toList())) {
                            texts.add(Files.readString(f));
                        }
                        sources = String.join("\n", texts);
                    }
                    for (String name : JavaSnippets.namesUsed(b.text())) {
                        assertThat(sources)
                                .as(
                                        "%s names %s, which %s never uses (so no consumer run proves it)",
                                        b.where(), name, consumer)
                                .containsPattern("\\b" + name + "\\b");
                    }
                }));
    }

    @TestFactory
    Stream<DynamicTest> xmlBlocksBuildTheirResourceAndNameThisBuild() {
        return each("xml", CHECKS::xml);
    }

    @TestFactory
    Stream<DynamicTest> yamlBlocksNameOnlyKnownProperties() {
        return each("yaml", CHECKS::yaml);
    }

    @TestFactory
    Stream<DynamicTest> propertiesBlocksNameOnlyKnownProperties() {
        return each("properties", CHECKS::properties);
    }

    @TestFactory
    Stream<DynamicTest> bashBlocksNameFilesExecutionsTestsAndOptionsThatExist() {
        return each("bash", CHECKS::bash);
    }

    @TestFactory
    Stream<DynamicTest> sqlBlocksShowWhatTheLibrarySuggests() {
        return each("sql", CHECKS::sql);
    }

    @TestFactory
    Stream<DynamicTest> everyBlockNamesExistingClassesKnownUrlSettingsAndThisVersion() {
        return DOCS.stream()
                .flatMap(md -> md.blocks.stream())
                .map(b -> DynamicTest.dynamicTest(b.where(), () -> {
                    List<String> problems = new ArrayList<>(CHECKS.ourClassesExist(b.text()));
                    problems.addAll(CHECKS.urlsAreKnown(b.text()));
                    problems.addAll(CHECKS.versionsAreThisBuilds(b.text()));
                    assertThat(problems).as("%s:%n%s", b.where(), b.text()).isEmpty();
                }));
    }

    @Test
    void linksBetweenTheFilesAndTheirAnchorsResolve() {
        Map<Path, Markdown> byFile = new LinkedHashMap<>();
        DOCS.forEach(md -> byFile.put(md.file.normalize(), md));
        List<String> broken = new ArrayList<>();
        for (Markdown md : DOCS) {
            for (Link link : md.links) {
                String target = link.target();
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path file = path.isEmpty()
                        ? md.file
                        : (md.file.getParent() == null
                                        ? Path.of(path)
                                        : md.file.getParent().resolve(path))
                                .normalize();
                String where = link.file() + ":" + link.line() + " links " + target;
                if (!Files.exists(file)) {
                    if (!PENDING_PAGES.contains(file.toString().replace('\\', '/'))) {
                        broken.add(where + ": no such file");
                    }
                    continue;
                }
                if (anchor != null) {
                    Markdown linked = byFile.computeIfAbsent(file, Markdown::read);
                    if (!linked.anchors.contains(anchor)) {
                        broken.add(where + ": no heading with that anchor (there are " + linked.anchors + ")");
                    }
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void theReadmeStaysTheFrontDoor() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        assertThat(lines.size())
                .as("README.md lines (issue 20: at most about 250)")
                .isLessThanOrEqualTo(260);
    }
}
