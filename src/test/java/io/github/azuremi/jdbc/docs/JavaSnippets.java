package io.github.azuremi.jdbc.docs;

import io.github.azuremi.jdbc.docs.Markdown.Block;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles the ```java blocks of the documentation with javax.tools against the test classpath, each as its own
 * compilation unit. A block is the body of a method {@code throws Exception} unless its info string says
 * {@code class-body} (members of a class); {@code params="Type name, ..."} declares what the block uses without
 * declaring it. Lines starting with {@code import} move to the top, next to a set of common imports; {@code { ... }}
 * ("your code here") compiles as {@code { }}.
 */
final class JavaSnippets {

    static final List<String> COMMON_IMPORTS = List.of(
            "java.sql.*",
            "java.util.*",
            "javax.naming.*",
            "javax.sql.DataSource",
            "io.github.azuremi.jdbc.*",
            "io.micrometer.core.instrument.MeterRegistry",
            "org.flywaydb.core.Flyway",
            "org.springframework.beans.factory.ObjectProvider",
            "org.springframework.beans.factory.annotation.Value",
            "org.springframework.boot.context.properties.ConfigurationProperties",
            "org.springframework.context.annotation.Bean");

    private JavaSnippets() {}

    /** The source a block compiles as. */
    static String source(String className, Block block) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : block.text().split("\n", -1)) {
            if (line.startsWith("import ")) {
                imports.append(line).append('\n');
            } else {
                body.append("    ").append(line.replace("{ ... }", "{ }")).append('\n');
            }
        }
        COMMON_IMPORTS.forEach(i -> imports.append("import ").append(i).append(";\n"));
        String params = block.attribute("params") == null ? "" : block.attribute("params");
        String members = block.attributes().containsKey("class-body")
                ? body.toString()
                : "  void snippet(" + params + ") throws Exception {\n" + body + "  }\n";
        return imports + "\n@SuppressWarnings(\"all\")\nclass " + className + " {\n" + members + "}\n";
    }

    /** Compiles every block; the errors of each, empty when it compiles. */
    static Map<Block, List<String>> compile(List<Block> blocks, Path outputDirectory) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new AssertionError("the tests run on a JRE without javac: run them on a JDK");
        }
        Map<String, Block> byClass = new LinkedHashMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String name = "DocSnippet" + i;
            byClass.put(name, blocks.get(i));
            units.add(new Source(name, source(name, blocks.get(i))));
        }
        try {
            Files.createDirectories(outputDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options =
                    List.of("-classpath", classpath, "-d", outputDirectory.toString(), "-proc:none", "-implicit:none");
            javac.getTask(null, files, diagnostics, options, null, units).call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Block, List<String>> errors = new LinkedHashMap<>();
        blocks.forEach(b -> errors.put(b, new ArrayList<>()));
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            String unit = d.getSource() == null ? "" : d.getSource().getName();
            String name = unit.substring(unit.lastIndexOf('/') + 1).replace(".java", "");
            Block block = byClass.get(name);
            String message = "line " + d.getLineNumber() + " of the compiled source: " + d.getMessage(Locale.ROOT);
            if (block == null) {
                errors.values().forEach(list -> list.add(message));
            } else {
                errors.get(block).add(message);
            }
        }
        return errors;
    }

    /** The compiled source with line numbers, for a failure message. */
    static String numbered(String source) {
        String[] lines = source.split("\n", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            out.append(String.format(Locale.ROOT, "%3d  %s%n", i + 1, lines[i]));
        }
        return out.toString();
    }

    /** The words a block names: its type names, constants and called methods (for a block compiled elsewhere). */
    static List<String> namesUsed(String text) {
        String code = text.replaceAll("//[^\n]*", "").replaceAll("\"[^\"]*\"", "\"\"");
        List<String> names = new ArrayList<>();
        java.util.regex.Matcher types =
                java.util.regex.Pattern.compile("\\b[A-Z]\\w*").matcher(code);
        while (types.find()) {
            names.add(types.group());
        }
        java.util.regex.Matcher calls =
                java.util.regex.Pattern.compile("\\.(\\w+)\\(").matcher(code);
        while (calls.find()) {
            names.add(calls.group(1));
        }
        return names.stream()
                .distinct()
                .filter(n -> !List.of("String", "Connection", "DriverManager").contains(n))
                .collect(Collectors.toList());
    }

    /** Syntax errors of a block that cannot be compiled here (its libraries are not on the test classpath). */
    static List<String> syntaxErrors(Block block) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject unit = new Source("DocSnippetSyntax", source("DocSnippetSyntax", block));
        try {
            ((com.sun.source.util.JavacTask)
                            javac.getTask(null, null, diagnostics, List.of("-proc:none"), null, List.of(unit)))
                    .parse();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                .collect(Collectors.toList());
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String code;

        Source(String className, String code) {
            super(URI.create("string:///" + className + ".java"), Kind.SOURCE);
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }
}
