package io.github.azuremi.jdbc.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.docs.Markdown.Block;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The snippet checks of {@link DocumentationSnippetsTest} fail on a snippet that drifted: each test here gives them a
 * block as it would read after a typical drift (a renamed setter or setting, a removed script or execution, another
 * version) and expects a problem that names it. Without these, a check that accepts everything would pass unnoticed.
 */
class DocumentationSnippetsCatchDriftTest {

    private static final SnippetChecks CHECKS = new SnippetChecks(Path.of("").toAbsolutePath());

    private static Block block(String language, String text) {
        return block(language, Map.of(), text);
    }

    private static Block block(String language, Map<String, String> attributes, String text) {
        return new Block(Path.of("drifted.md"), 1, language, attributes, text);
    }

    @Test
    void aJavaBlockCallingASetterThatDoesNotExistDoesNotCompile() {
        Block good =
                block("java", "var ds = new ManagedIdentityDataSource();\nds.setManagedIdentityClientId(\"x\");\n");
        Block drifted =
                block("java", "var ds = new ManagedIdentityDataSource();\nds.setManagedIdentityClientID(\"x\");\n");
        Map<Block, List<String>> errors =
                JavaSnippets.compile(List.of(good, drifted), Path.of("target", "doc-snippets", "drift"));
        assertThat(errors.get(good)).isEmpty();
        assertThat(errors.get(drifted)).singleElement().asString().contains("setManagedIdentityClientID");
    }

    @Test
    void aJndiResourceWithAMisspeltAttributeIsRefusedByTheFactory() {
        String resource = "<Context><Resource name=\"jdbc/app\" type=\"javax.sql.DataSource\""
                + " factory=\"io.github.azuremi.jdbc.jndi.ManagedIdentityDataSourceFactory\""
                + " jdbcUrl=\"jdbc:postgresql://h/db\" username=\"u\" %s=\"managed-identity\"/></Context>";
        assertThat(CHECKS.xml(block("xml", resource.formatted("credential")))).isEmpty();
        assertThat(CHECKS.xml(block("xml", resource.formatted("credentialType"))))
                .anySatisfy(p -> assertThat(p).contains("credentialType"));
    }

    @Test
    void aDependencyOnAnotherVersionOfTheLibraryIsCaught() {
        String dependency = "<dependency><groupId>io.github.azuremi</groupId>"
                + "<artifactId>managed-identity-datasource</artifactId><version>0.0.9</version></dependency>";
        assertThat(CHECKS.xml(block("xml", dependency)))
                .anySatisfy(p -> assertThat(p).contains("0.0.9"));
    }

    @Test
    void aSpringPropertyOrAPluginSettingThatTheCatalogueDoesNotHaveIsCaught() {
        assertThat(CHECKS.yaml(block(
                        "yaml", "spring:\n  datasource:\n    azure-managed-identity:\n      credential: default\n")))
                .isEmpty();
        assertThat(CHECKS.yaml(
                        block("yaml", "spring:\n  datasource:\n    azure-managed-identity:\n      client-id: x\n")))
                .anySatisfy(p -> assertThat(p).contains("client-id"));
        assertThat(CHECKS.yaml(block("yaml", "spring:\n  datasource:\n    hikari:\n      max-pool-size: 3\n")))
                .anySatisfy(p -> assertThat(p).contains("max-pool-size"));
        assertThat(
                        CHECKS.properties(
                                block(
                                        "properties",
                                        "x.url=jdbc:postgresql://h:5432/db?authenticationPluginClassName="
                                                + "io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin&managedIdentityClientID=x\n")))
                .anySatisfy(p -> assertThat(p).contains("managedIdentityClientID"));
    }

    @Test
    void aShellBlockNamingAMissingScriptExecutionTestOrOptionIsCaught() {
        assertThat(CHECKS.bash(block("bash", "mvn -q test-compile exec:exec@demo\nbash benchmarks/smoke.sh\n")))
                .isEmpty();
        assertThat(CHECKS.bash(block("bash", "mvn -q test-compile exec:exec@show\n")))
                .anySatisfy(p -> assertThat(p).contains("show"));
        assertThat(CHECKS.bash(block("bash", "bash benchmarks/quick.sh\n")))
                .anySatisfy(p -> assertThat(p).contains("benchmarks/quick.sh"));
        assertThat(CHECKS.bash(block("bash", "mvn -B test -Dtest=NoSuchDocumentedTest\n")))
                .anySatisfy(p -> assertThat(p).contains("NoSuchDocumentedTest"));
        assertThat(CHECKS.bash(block("bash", "java -jar x-cli.jar check --url jdbc:postgresql://h/db --clientid y\n")))
                .anySatisfy(p -> assertThat(p).contains("--clientid"));
    }

    @Test
    void sqlTheLibraryDoesNotSuggestAClassThatIsGoneAndAnotherVersionAreCaught() {
        assertThat(CHECKS.sql(block("sql", "CREATE USER [app] FROM EXTERNAL PROVIDER;\n")))
                .isEmpty();
        assertThat(CHECKS.sql(block("sql", "CREATE LOGIN [app] FROM EXTERNAL PROVIDER;\n")))
                .singleElement()
                .asString()
                .contains("CREATE LOGIN");
        assertThat(CHECKS.ourClassesExist("io.github.azuremi.jdbc.internal.token.TokenCache"))
                .singleElement()
                .asString()
                .contains("TokenCache");
        assertThat(CHECKS.versionsAreThisBuilds("io.github.azuremi:managed-identity-datasource:0.0.9:jar:cli"))
                .singleElement()
                .asString()
                .contains("0.0.9");
    }
}
