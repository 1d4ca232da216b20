package io.github.azuremi.jdbc.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The parts of a Markdown file the documentation tests read: its fenced code blocks (with the info string's language
 * and its attributes: {@code key=value}, {@code key="value with spaces"} or a bare {@code flag}), its headings' anchors as GitHub makes them,
 * and its links.
 */
final class Markdown {

    /** The files whose snippets and links are checked, relative to the repository root. */
    static List<Path> documentationFiles() {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("CONTRIBUTING.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** One fenced block: where it starts (the line of the opening fence), its language, attributes and text. */
    record Block(Path file, int line, String language, Map<String, String> attributes, String text) {
        String where() {
            return file + ":" + line + " (```" + language + ")";
        }

        String attribute(String name) {
            return attributes.get(name);
        }
    }

    /** A link {@code [text](target)} outside code, with the line it is on. */
    record Link(Path file, int line, String target) {}

    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,})(.*)$");
    private static final Pattern ATTRIBUTE = Pattern.compile("([\\w-]+)(?:=(\"([^\"]*)\"|\\S+))?");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*$");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");

    final Path file;
    final List<Block> blocks = new ArrayList<>();
    final Set<String> anchors = new LinkedHashSet<>();
    final List<Link> links = new ArrayList<>();

    private Markdown(Path file) {
        this.file = file;
    }

    static Markdown read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Markdown md = new Markdown(file);
        Map<String, Integer> slugCounts = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                i = md.block(lines, i, fence);
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(2));
                int seen = slugCounts.merge(slug, 1, Integer::sum) - 1;
                md.anchors.add(seen == 0 ? slug : slug + "-" + seen);
            }
            Matcher link = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
            while (link.find()) {
                md.links.add(new Link(file, i + 1, link.group(1)));
            }
        }
        return md;
    }

    /** Reads the block opened at {@code start}; returns the index of its closing fence. */
    private int block(List<String> lines, int start, Matcher open) {
        int indent = open.group(1).length();
        String fence = open.group(2);
        String info = open.group(3).trim();
        String language = info.isEmpty() ? "text" : info.split("\\s+", 2)[0];
        Map<String, String> attributes = new LinkedHashMap<>();
        Matcher a = ATTRIBUTE.matcher(info.substring(Math.min(info.length(), language.length())));
        while (a.find()) {
            attributes.put(a.group(1), a.group(3) != null ? a.group(3) : a.group(2) == null ? "" : a.group(2));
        }
        StringBuilder text = new StringBuilder();
        int i = start + 1;
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.trim().startsWith(fence) && line.trim().replace("`", "").isEmpty()) {
                break;
            }
            text.append(line.length() >= indent && line.substring(0, indent).isBlank() ? line.substring(indent) : line)
                    .append('\n');
        }
        if (i == lines.size()) {
            throw new AssertionError(file + ":" + (start + 1) + ": a fenced block that is never closed");
        }
        blocks.add(new Block(file, start + 1, language.toLowerCase(Locale.ROOT), attributes, text.toString()));
        return i;
    }

    /** GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, spaces as '-'. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1"); // a link in a heading: its text
        StringBuilder slug = new StringBuilder();
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.append(c);
            } else if (c == ' ') {
                slug.append('-');
            }
        }
        return slug.toString();
    }
}
