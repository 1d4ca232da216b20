package io.github.azuremi.jdbc.secrets;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The readings of a log line under which a token could hide from a plain text match: the bytes of its hex runs
 * (spaced dumps such as {@code 65 00 79 00 4A 00} and contiguous ones such as {@code 0x65794A}), its text without
 * NUL characters (UTF-16 printed as Latin-1), and its base64 runs; each byte reading as Latin-1 and as UTF-16LE.
 */
final class SecretDecodings {

    private static final Pattern SPACED_HEX_BYTE = Pattern.compile("(?<![0-9A-Fa-f])[0-9A-Fa-f]{2}(?![0-9A-Fa-f])");
    private static final Pattern DUMP_LINE = Pattern.compile("^\\s*((?:[0-9A-Fa-f]{2} ){1,15}[0-9A-Fa-f]{2})");
    private static final Pattern HEX_RUN = Pattern.compile("[0-9A-Fa-f]{24,}");
    private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/_-]{24,}={0,2}");

    private SecretDecodings() {}

    static Map<String, String> of(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text.indexOf('\0') >= 0) {
            out.put("UTF-16 without NULs", text.replace("\0", ""));
        }
        byte[] spaced = spacedHex(text);
        if (spaced.length >= 16) {
            bytes(out, "hex dump", spaced);
        }
        Matcher hex = HEX_RUN.matcher(text);
        while (hex.find()) {
            bytes(out, "hex", hexToBytes(hex.group()));
        }
        Matcher b64 = BASE64_RUN.matcher(text);
        while (b64.find()) {
            String run = b64.group();
            try {
                String bare = run.replace("=", "");
                int pad = (4 - bare.length() % 4) % 4;
                if (pad == 3) {
                    continue; // no base64 has that length
                }
                bytes(
                        out,
                        "base64",
                        bare.contains("-") || bare.contains("_")
                                ? Base64.getUrlDecoder().decode(bare)
                                : Base64.getDecoder().decode(bare + "=".repeat(pad)));
            } catch (IllegalArgumentException notBase64) {
                // not a base64 run after all
            }
        }
        return out;
    }

    private static void bytes(Map<String, String> out, String how, byte[] b) {
        out.merge(how + " as Latin-1", new String(b, StandardCharsets.ISO_8859_1), (x, y) -> x + "\n" + y);
        out.merge(how + " as UTF-16LE", new String(b, StandardCharsets.UTF_16LE), (x, y) -> x + "\n" + y);
        out.merge(
                how + " as UTF-16LE, shifted",
                b.length > 1 ? new String(b, 1, b.length - 1, StandardCharsets.UTF_16LE) : "",
                (x, y) -> x + "\n" + y);
    }

    /** Every two-digit hex token of the text, in order: a dump's bytes (offsets and the ASCII column mostly drop out). */
    private static byte[] spacedHex(String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (text.indexOf('\n') >= 0) { // a dump of lines "12 01 00 49 ...   ...I....": the hex columns only
            for (String line : text.split("\n")) {
                Matcher m = DUMP_LINE.matcher(line);
                if (m.find()) {
                    for (String pair : m.group(1).trim().split(" +")) {
                        b.write(Integer.parseInt(pair, 16));
                    }
                }
            }
            if (b.size() >= 16) {
                return b.toByteArray();
            }
            b.reset();
        }
        Matcher m = SPACED_HEX_BYTE.matcher(text);
        while (m.find()) {
            b.write(Integer.parseInt(m.group(), 16));
        }
        return b.toByteArray();
    }

    private static byte[] hexToBytes(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
