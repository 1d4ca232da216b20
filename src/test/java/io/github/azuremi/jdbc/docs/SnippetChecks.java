package io.github.azuremi.jdbc.docs;

import com.zaxxer.hikari.HikariConfig;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.docs.Markdown.Block;
import io.github.azuremi.jdbc.internal.cli.CheckCommand;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.Settings;
import io.github.azuremi.jdbc.jndi.ManagedIdentityDataSourceFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.naming.Reference;
import javax.naming.StringRefAddr;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * The checks of the documentation's non-Java blocks. Each returns the problems it found (empty: the block is true),
 * so that a test can also show that a drifted snippet is caught.
 */
final class SnippetChecks {

    static final String SPRING_PREFIX = Settings.SPRING_PREFIX + ".";
    private static final Pattern OUR_CLASS = Pattern.compile("\\bio\\.github\\.azuremi\\.jdbc(\\.[A-Za-z_*][\\w*]*)*");
    private static final Pattern URL = Pattern.compile("\\b(?:jdbc|r2dbc):[^\\s\"'`<>]*(?:<[^>\\s]*>[^\\s\"'`<>]*)*");
    private static final Pattern OUR_COORDINATES = Pattern.compile("managed-identity-datasource:([^:\\s]+)");
    private static final Pattern OUR_JAR = Pattern.compile("managed-identity-datasource-(\\d[\\w.]*(?:-SNAPSHOT)?)");

    private final Path root;
    private final Pom pom;
    private final Set<String> springMetadata;

    SnippetChecks(Path root) {
        this.root = root;
        this.pom = Pom.read(root.resolve("pom.xml"));
        this.springMetadata = springMetadataNames();
    }

    // ---------------------------------------------------------------------------------------------- everywhere

    /** Every class or package of this library a block names exists. */
    List<String> ourClassesExist(String text) {
        List<String> problems = new ArrayList<>();
        Matcher m = OUR_CLASS.matcher(text);
        while (m.find()) {
            String name = m.group().replaceAll("\\.\\*$", "");
            if (!classOrPackageExists(name)) {
                problems.add("names " + m.group() + ", which is no class or package of the library");
            }
        }
        return problems;
    }

    private boolean classOrPackageExists(String name) {
        String path = name.replace('.', '/');
        for (String dir : List.of("src/main/java/", "src/test/java/", "benchmarks/src/main/java/")) {
            if (Files.isDirectory(root.resolve(dir + path))
                    || Files.isRegularFile(root.resolve(dir + path + ".java"))) {
                return true;
            }
        }
        int dot = name.lastIndexOf('.');
        // a member (ManagedIdentityDataSource.getTokenStatus) or a logger level (io.github.azuremi.jdbc.level)
        return dot > 0 && loads(name.substring(0, dot)) || loads(name);
    }

    private static boolean loads(String className) {
        try {
            Class.forName(className, false, SnippetChecks.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Every setting a JDBC or R2DBC URL in the block gives is one the catalogue or the URL's driver knows. */
    List<String> urlsAreKnown(String text) {
        List<String> problems = new ArrayList<>();
        Matcher m = URL.matcher(text);
        while (m.find()) {
            problems.addAll(urlProblems(m.group()));
        }
        return problems;
    }

    List<String> urlProblems(String url) {
        List<String> problems = new ArrayList<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        int query = url.indexOf('?');
        if (url.startsWith("jdbc:sqlserver:") || url.startsWith("jdbc:azuremi:sqlserver:")) {
            String[] parts = url.split(";");
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        } else if (query >= 0) {
            for (String pair : url.substring(query + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            String name = p.getKey();
            if (name.isEmpty() || Settings.named(name, Surface.PLUGIN) != null) {
                continue;
            }
            if (!driverKnows(url, name)) {
                problems.add(url + " sets " + name + ", which neither the settings catalogue nor the driver knows");
            }
        }
        if (url.startsWith("jdbc:postgresql:")
                && org.postgresql.Driver.parseURL(url.replaceAll("<[^>]*>", "x"), null) == null) {
            problems.add("pgjdbc does not parse " + url);
        }
        return problems;
    }

    private static boolean driverKnows(String url, String name) {
        if (url.contains("postgresql:")) {
            return org.postgresql.PGProperty.forName(name) != null;
        }
        if (url.contains("mysql:") || url.contains("mariadb:")) {
            return Arrays.stream(com.mysql.cj.conf.PropertyKey.values())
                    .anyMatch(k -> k.getKeyName().equals(name) || name.equals(k.getCcAlias()));
        }
        if (url.contains("sqlserver:")) {
            try {
                return Arrays.stream(new com.microsoft.sqlserver.jdbc.SQLServerDriver()
                                .getPropertyInfo("jdbc:sqlserver://x", new Properties()))
                        .anyMatch(info -> info.name.equalsIgnoreCase(name));
            } catch (java.sql.SQLException e) {
                throw new AssertionError(e);
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------- xml

    List<String> xml(Block block) {
        List<String> problems = new ArrayList<>();
        Document doc;
        try {
            doc = parseXml("<snippet>" + block.text().replaceFirst("^<\\?xml[^>]*\\?>", "") + "</snippet>");
        } catch (Exception e) {
            return List.of("does not parse as XML: " + e.getMessage());
        }
        for (Element resource : elements(doc.getDocumentElement(), "Resource")) {
            if (ManagedIdentityDataSourceFactory.class.getName().equals(resource.getAttribute("factory"))) {
                problems.addAll(jndiResource(resource));
            }
        }
        for (Element dependency : elements(doc.getDocumentElement(), "dependency")) {
            problems.addAll(dependency(dependency));
        }
        String file = block.attribute("file") != null ? block.attribute("file") : block.attribute("subset-of");
        if (file != null) {
            problems.addAll(xmlSubsetOf(doc, root.resolve(file), block.attribute("file") != null));
        }
        return problems;
    }

    /** The factory itself builds the data source from the attributes (an unknown one fails); each is a setting. */
    static List<String> jndiResource(Element resource) {
        List<String> problems = new ArrayList<>();
        Reference reference = new Reference(resource.getAttribute("type"));
        NamedNodeMap attributes = resource.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            String name = attributes.item(i).getNodeName();
            reference.add(new StringRefAddr(name, attributes.item(i).getNodeValue()));
            if (!ManagedIdentityDataSourceFactory.CONTAINER_ATTRIBUTES.contains(name)
                    && !hikariKnows(name)
                    && !name.startsWith("dataSource.")
                    && Settings.named(name, Surface.DATA_SOURCE) == null) {
                problems.add("attribute " + name + " is neither a HikariCP setting nor one of the catalogue's");
            }
        }
        try {
            Object built = new ManagedIdentityDataSourceFactory().getObjectInstance(reference, null, null, null);
            if (!(built instanceof ManagedIdentityDataSource ds)) {
                problems.add("the factory built " + built + " from it, not a ManagedIdentityDataSource");
            } else {
                ds.close();
            }
        } catch (Exception e) {
            problems.add("the factory refuses it: " + e.getMessage());
        }
        return problems;
    }

    static boolean hikariKnows(String name) {
        String setter = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
        return Arrays.stream(HikariConfig.class.getMethods())
                .anyMatch(m -> m.getName().equals(setter));
    }

    private List<String> dependency(Element dependency) {
        String group = text(dependency, "groupId");
        String artifact = text(dependency, "artifactId");
        List<String> problems = new ArrayList<>();
        if (group.equals(pom.groupId) && artifact.equals(pom.artifactId)) {
            if (!pom.version.equals(text(dependency, "version"))) {
                problems.add("names version " + text(dependency, "version") + " of the library; this build is "
                        + pom.version);
            }
            for (Element exclusion : elements(dependency, "exclusion")) {
                if (!pom.dependencies.contains(text(exclusion, "groupId") + ":" + text(exclusion, "artifactId"))) {
                    problems.add("excludes " + text(exclusion, "artifactId") + ", which the library does not bring");
                }
            }
        } else if (!pom.text.contains("<artifactId>" + artifact + "</artifactId>")) {
            problems.add("names " + group + ":" + artifact + ", which pom.xml never mentions");
        }
        return problems;
    }

    private static List<String> xmlSubsetOf(Document snippet, Path file, boolean equal) {
        Document whole;
        try {
            whole = parseXml(Files.readString(file, StandardCharsets.UTF_8).replaceFirst("^<\\?xml[^>]*\\?>", ""));
        } catch (Exception e) {
            return List.of(file + " does not parse: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        Element top = elements(snippet.getDocumentElement(), "*").get(0);
        List<Element> inFile = elements(whole.getDocumentElement(), "*");
        inFile.add(0, whole.getDocumentElement());
        List<Element> inSnippet = elements(top, "*");
        inSnippet.add(0, top);
        for (Element e : inSnippet) {
            Map<String, String> fileAttributes = inFile.stream()
                    .filter(f -> f.getTagName().equals(e.getTagName()))
                    .findFirst()
                    .map(SnippetChecks::attributes)
                    .orElse(null);
            if (fileAttributes == null) {
                problems.add("<" + e.getTagName() + "> is not in " + file);
                continue;
            }
            Map<String, String> attributes = attributes(e);
            for (Map.Entry<String, String> a : attributes.entrySet()) {
                if (!a.getValue().equals(fileAttributes.get(a.getKey()))) {
                    problems.add(a.getKey() + "=\"" + a.getValue() + "\" differs from " + file);
                }
            }
            if (equal && !attributes.keySet().equals(fileAttributes.keySet())) {
                problems.add("<" + e.getTagName() + "> has other attributes than " + file);
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------------------------------------- yaml, properties

    List<String> yaml(Block block) {
        Map<String, String> flat = new LinkedHashMap<>();
        try {
            flatten("", new Yaml().load(block.text()), flat);
        } catch (RuntimeException e) {
            return List.of("does not parse as YAML: " + e.getMessage());
        }
        List<String> problems = keys(flat);
        String file = block.attribute("subset-of");
        if (file != null) {
            Map<String, String> whole = new LinkedHashMap<>();
            try {
                flatten("", new Yaml().load(Files.readString(root.resolve(file), StandardCharsets.UTF_8)), whole);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            flat.forEach((k, v) -> {
                if (!v.equals(whole.get(k))) {
                    problems.add(k + ": " + v + " differs from " + file + " (" + whole.get(k) + ")");
                }
            });
        }
        return problems;
    }

    List<String> properties(Block block) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(block.text()));
        } catch (IOException e) {
            return List.of("does not parse as properties: " + e.getMessage());
        }
        Map<String, String> flat = new LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(k -> flat.put(k, p.getProperty(k)));
        return keys(flat);
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix + k + (v instanceof Map ? "." : ""), v, out));
        } else {
            out.put(prefix, String.valueOf(node));
        }
    }

    /** Spring Boot keys must be in the configuration metadata (Boot's, or the library's generated one). */
    private List<String> keys(Map<String, String> flat) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : flat.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(SPRING_PREFIX)) {
                if (!springMetadata.contains(key)) {
                    problems.add(key + " is not a property of the library's Spring metadata (generated from the "
                            + "settings catalogue)");
                }
            } else if (key.startsWith("spring.datasource.hikari.")) {
                String name = camel(key.substring("spring.datasource.hikari.".length()));
                if (!hikariKnows(name)) {
                    problems.add(key + " is not a HikariCP setting");
                }
            } else if (key.startsWith("spring.r2dbc.properties.")) {
                String name = key.substring("spring.r2dbc.properties.".length());
                if (Settings.named(name, Surface.PLUGIN) == null) {
                    problems.add(key + ": " + name + " is not a setting of the catalogue");
                }
            } else if (key.startsWith("management.health.managed-identity-token.")) {
                if (!springConditionNames().contains(key)) {
                    problems.add(key + " is not a property the library's auto-configuration reads");
                }
            } else if (key.startsWith("spring.") && !springMetadata.contains(key)) {
                problems.add(key + " is not in Spring Boot's configuration metadata");
            }
            problems.addAll(urlsAreKnown(e.getValue()));
        }
        return problems;
    }

    static String camel(String kebab) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private static Set<String> springMetadataNames() {
        Set<String> names = new LinkedHashSet<>();
        Pattern name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");
        try {
            for (URL url : Collections.list(
                    SnippetChecks.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = url.openStream()) {
                    Matcher m = name.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (names.stream().noneMatch(n -> n.startsWith(SPRING_PREFIX))) {
            throw new AssertionError("the library's Spring metadata is not on the classpath: run mvn process-classes");
        }
        return names;
    }

    /** The {@code management.*} properties the library's own {@code @ConditionalOnProperty} read. */
    private Set<String> springConditionNames() {
        Pattern condition = Pattern.compile("prefix = \"([^\"]+)\", name = \"([^\"]+)\"");
        try (Stream<Path> sources = Files.walk(root.resolve("src/main/java/io/github/azuremi/jdbc/spring"))) {
            Set<String> names = new LinkedHashSet<>();
            for (Path source : sources.filter(Files::isRegularFile).collect(Collectors.toList())) {
                Matcher m = condition.matcher(Files.readString(source, StandardCharsets.UTF_8));
                while (m.find()) {
                    names.add(m.group(1) + "." + m.group(2));
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------- bash

    List<String> bash(Block block) {
        List<String> problems = new ArrayList<>(versionsAreThisBuilds(block.text()));
        String joined = block.text().replace("\\\n", " ");
        for (String rawLine : joined.split("\n")) {
            String line = rawLine.replaceAll("(^|\\s)#.*$", "").trim();
            if (line.isEmpty() || line.startsWith("git clone")) { // its cd is into the clone
                continue;
            }
            Path cwd = root;
            List<String> tokens = Arrays.stream(line.split("\\s+"))
                    .map(t -> t.replaceAll("^[('\"]+|[)'\";]+$", ""))
                    .collect(Collectors.toList());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (t.equals("cd") && i + 1 < tokens.size()) {
                    cwd = root.resolve(tokens.get(++i));
                    if (!Files.isDirectory(cwd)) {
                        problems.add("cd " + tokens.get(i) + ": no such directory");
                        cwd = root;
                    }
                } else {
                    problems.addAll(bashToken(t, cwd, tokens));
                }
            }
        }
        return problems;
    }

    private List<String> bashToken(String t, Path cwd, List<String> line) {
        List<String> problems = new ArrayList<>();
        Pom here = cwd.equals(root) ? pom : Pom.read(cwd.resolve("pom.xml"));
        Matcher execution = Pattern.compile("^[\\w.-]+:[\\w-]+@([\\w-]+)$").matcher(t);
        if (execution.matches() && !here.ids.contains(execution.group(1))) {
            problems.add(t + ": no execution " + execution.group(1) + " in " + cwd.resolve("pom.xml"));
        }
        Matcher plugin = Pattern.compile("^[a-z][\\w.]*\\.[\\w.]+:([\\w-]+-maven(?:-plugin)?):\\w+$")
                .matcher(t);
        if (plugin.matches() && !here.text.contains("<artifactId>" + plugin.group(1) + "</artifactId>")) {
            problems.add(t + ": the plugin " + plugin.group(1) + " is not in pom.xml");
        }
        if (t.startsWith("-P") && t.length() > 2) {
            for (String profile : t.substring(2).split(",")) {
                if (!here.ids.contains(profile.replaceFirst("^!", ""))) {
                    problems.add(t + ": no profile " + profile + " in pom.xml");
                }
            }
        }
        if (t.startsWith("-Dtest=")) {
            for (String test : t.substring("-Dtest=".length()).split(",")) {
                if (!testClassExists(test)) {
                    problems.add(t + ": no test class " + test);
                }
            }
        }
        if (t.startsWith("--") && line.contains("check") && !CheckCommand.USAGE_TEXT.contains(t.split("=")[0] + " ")) {
            problems.add(t + " is not an option of the check command");
        }
        boolean pathLike = (t.contains("/") || t.endsWith(".sh"))
                && !t.startsWith("-")
                && !t.startsWith("/")
                && !t.startsWith("~")
                && !t.contains("://")
                && !t.contains("<")
                && !t.contains("$")
                && !t.contains("=")
                && !t.startsWith("target/")
                && !t.contains("/target/");
        if (pathLike && !Files.exists(cwd.resolve(t))) {
            problems.add(t + ": no such file in "
                    + root.relativize(cwd.normalize().toAbsolutePath().normalize()));
        }
        return problems;
    }

    private boolean testClassExists(String simpleName) {
        try (Stream<Path> tests = Files.walk(root.resolve("src/test/java"))) {
            return tests.anyMatch(p -> p.getFileName().toString().equals(simpleName + ".java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A version of this library a block names (Maven coordinates, a jar's name) is this build's. */
    List<String> versionsAreThisBuilds(String text) {
        List<String> problems = new ArrayList<>();
        for (Pattern p : List.of(OUR_COORDINATES, OUR_JAR)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                String version = m.group(1);
                if (Character.isDigit(version.charAt(0)) && !version.equals(pom.version)) {
                    problems.add("names version " + version + " of the library; this build is " + pom.version);
                }
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------------------------------------- sql

    /** Each statement has the shape of one the library's own messages suggest (names and roles aside). */
    List<String> sql(Block block) {
        Set<String> suggested = new LinkedHashSet<>();
        try (Stream<Path> sources = Files.walk(root.resolve("src/main/java"))) {
            for (Path source : sources.filter(Files::isRegularFile).collect(Collectors.toList())) {
                Matcher literal = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"")
                        .matcher(Files.readString(source, StandardCharsets.UTF_8));
                while (literal.find()) {
                    for (String statement : literal.group(1).split(";")) {
                        suggested.add(sqlShape(statement));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> problems = new ArrayList<>();
        for (String statement : block.text().replaceAll("--[^\n]*", "").split(";")) {
            String shape = sqlShape(statement);
            if (!shape.isEmpty() && suggested.stream().noneMatch(s -> s.contains(shape))) {
                problems.add("\"" + statement.trim() + "\" is not what the library suggests (shape: " + shape + ")");
            }
        }
        return problems;
    }

    static String sqlShape(String statement) {
        return statement
                .replaceAll("\\[[^\\]]*\\]", "[]")
                .replaceAll("'[^']*'", "''")
                .replaceAll("\\bdb_\\w+", "db_")
                .replaceAll("\\s+", " ")
                .trim()
                .toUpperCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static Document parseXml(String text) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> elements(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    private static Map<String, String> attributes(Element e) {
        Map<String, String> out = new LinkedHashMap<>();
        NamedNodeMap attributes = e.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            Node a = attributes.item(i);
            out.put(a.getNodeName(), a.getNodeValue());
        }
        return out;
    }

    static String text(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        return "";
    }

    /** What the tests need of a POM: coordinates, dependencies, execution and profile ids, and its text. */
    record Pom(
            String groupId, String artifactId, String version, Set<String> dependencies, Set<String> ids, String text) {
        static Pom read(Path file) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                Element project = parseXml(text).getDocumentElement();
                Set<String> dependencies = new LinkedHashSet<>();
                for (Element d : elements(project, "dependency")) {
                    dependencies.add(SnippetChecks.text(d, "groupId") + ":" + SnippetChecks.text(d, "artifactId"));
                }
                Set<String> ids = elements(project, "id").stream()
                        .map(e -> e.getTextContent().trim())
                        .collect(Collectors.toCollection(LinkedHashSet::new));
                return new Pom(
                        SnippetChecks.text(project, "groupId"),
                        SnippetChecks.text(project, "artifactId"),
                        SnippetChecks.text(project, "version"),
                        dependencies,
                        ids,
                        text);
            } catch (Exception e) {
                throw new AssertionError("cannot read " + file + ": " + e, e);
            }
        }
    }
}
