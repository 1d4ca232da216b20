package io.github.azuremi.jdbc.internal.config;

import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Spring Boot's configuration metadata of {@code spring.datasource.azure-managed-identity.*}, generated from the
 * catalogue so that IDEs complete and describe the properties. The build runs {@link #main} after compiling
 * (exec-maven-plugin, phase {@code process-classes}), writing {@code META-INF/spring-configuration-metadata.json}
 * into the classes; nothing of it is kept by hand.
 */
public final class SpringMetadata {

    private static final String SOURCE_TYPE = "io.github.azuremi.jdbc.spring.ManagedIdentityDataSourceProperties";

    private SpringMetadata() {}

    /** Writes the metadata to the file named by {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Files.createDirectories(target.getParent());
        Files.writeString(target, json(), StandardCharsets.UTF_8);
    }

    /** The metadata, as the build writes it. */
    public static String json() {
        List<String> properties = new ArrayList<>();
        for (Setting<?> s : Settings.on(Surface.SPRING)) {
            StringBuilder p = new StringBuilder("    {\"name\": ")
                    .append(quote(Settings.SPRING_PREFIX + "." + s.springName()))
                    .append(", \"type\": ")
                    .append(quote(springType(s)))
                    .append(", \"sourceType\": ")
                    .append(quote(SOURCE_TYPE))
                    .append(", \"description\": ")
                    .append(quote(description(s)));
            Object byDefault = s.defaultValue();
            if (byDefault != null) {
                p.append(", \"defaultValue\": ")
                        .append(
                                byDefault instanceof Number || byDefault instanceof Boolean
                                        ? byDefault.toString()
                                        : quote(springDefault(byDefault)));
            }
            properties.add(p.append('}').toString());
            if (s.formerName() != null) { // IDEs strike it through and offer the replacement
                properties.add("    {\"name\": " + quote(Settings.SPRING_PREFIX + "." + Setting.kebab(s.formerName()))
                        + ", \"type\": " + quote(springType(s)) + ", \"sourceType\": " + quote(SOURCE_TYPE)
                        + ", \"description\": " + quote("The former name of " + s.springName() + ".")
                        + ", \"deprecation\": {\"level\": \"warning\", \"replacement\": "
                        + quote(Settings.SPRING_PREFIX + "." + s.springName()) + "}}");
            }
        }
        List<String> values = new ArrayList<>();
        for (CredentialType type : CredentialType.values()) {
            values.add("{\"value\": " + quote(type.settingValue()) + "}");
        }
        String hint = "    {\"name\": " + quote(Settings.SPRING_PREFIX + "." + Settings.CREDENTIAL_TYPE.springName())
                + ", \"values\": [" + String.join(", ", values) + "]}";
        return "{\n  \"groups\": [\n    {\"name\": " + quote(Settings.SPRING_PREFIX) + ", \"type\": "
                + quote(SOURCE_TYPE)
                + ", \"sourceType\": " + quote(SOURCE_TYPE) + "}\n  ],\n  \"properties\": [\n"
                + String.join(",\n", properties) + "\n  ],\n  \"hints\": [\n" + hint + "\n  ]\n}\n";
    }

    /** A default as Spring writes it: durations as {@code 30s} or {@code 500ms}. */
    public static String springDefault(Object value) {
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
        return value instanceof CredentialType type ? type.settingValue() : String.valueOf(value);
    }

    private static String springType(Setting<?> s) {
        return s.type() == CredentialType.class
                ? String.class.getName()
                : s.type().getName();
    }

    private static String description(Setting<?> s) {
        return s.description() + "." + (s.bounds() == null ? "" : " Allowed: " + s.bounds() + ".")
                + (s.reason() == null ? "" : " Why this default: " + s.reason() + ".");
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
