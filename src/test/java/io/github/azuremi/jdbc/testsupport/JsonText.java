package io.github.azuremi.jdbc.testsupport;

import java.util.Map;

/**
 * Writes the flat JSON objects the local identity endpoint sends (string and number members only), so the
 * test support needs no JSON library of its own.
 */
final class JsonText {

    private JsonText() {}

    /** A JSON object with the given members in iteration order; values are strings or numbers. */
    static String object(Map<String, ?> members) {
        StringBuilder json = new StringBuilder(256).append('{');
        for (Map.Entry<String, ?> member : members.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            appendString(json, member.getKey());
            json.append(':');
            Object value = member.getValue();
            if (value instanceof Number) {
                json.append(value);
            } else {
                appendString(json, String.valueOf(value));
            }
        }
        return json.append('}').toString();
    }

    private static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
