package io.github.azuremi.jdbc.internal.token;

import java.util.regex.Pattern;

/**
 * Defence in depth for messages that quote other libraries: azure-identity and MSAL may put parts of an
 * HTTP response into an exception message. Anything shaped like a JWT is cut out before a message of
 * ours is built from it, and very long messages (a quoted HTTP body) are shortened, at a word boundary and
 * saying how much was left out: a diagnosis must not end mid-word.
 */
public final class Redaction {

    /** A JWT, or the start of one cut after its header (as a truncated HTTP body quoted by MSAL is). */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}(\\.[A-Za-z0-9_-]*){1,2}");
    /** Longer than any message azure-identity or MSAL writes by itself; a quoted HTTP body can be megabytes. */
    private static final int MAX_LENGTH = 4_000;

    private Redaction() {}

    /**
     * The text with JWT-shaped substrings replaced; beyond 4000 characters it is cut at the last word boundary
     * and ends with {@code [... N more characters]}.
     */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        String scrubbed = JWT.matcher(text).replaceAll("[token redacted]");
        if (scrubbed.length() <= MAX_LENGTH) {
            return scrubbed;
        }
        int cut = MAX_LENGTH;
        for (int i = MAX_LENGTH; i > MAX_LENGTH / 2; i--) {
            if (Character.isWhitespace(scrubbed.charAt(i))) {
                cut = i;
                break;
            }
        }
        return scrubbed.substring(0, cut) + " [... " + (scrubbed.length() - cut) + " more characters]";
    }

    /**
     * The throwable itself if no message in its cause chain holds anything JWT-shaped; otherwise a copy of
     * the chain with those messages scrubbed (same class names in the messages, same stack traces). Failures
     * are kept and re-thrown as causes, and whoever logs a cause logs its whole chain: MSAL quotes the HTTP
     * body of a malformed answer in its exception, which may hold part of a token.
     */
    public static Throwable sanitize(Throwable error) {
        if (!chainNeedsScrubbing(error)) {
            return error;
        }
        return copyScrubbed(error, 0);
    }

    private static boolean chainNeedsScrubbing(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t.getMessage() != null && JWT.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    private static Throwable copyScrubbed(Throwable original, int depth) {
        if (original == null || depth >= 20) {
            return null;
        }
        ScrubbedException copy = new ScrubbedException(
                original.getClass().getName()
                        + (original.getMessage() == null ? "" : ": " + scrub(original.getMessage())),
                copyScrubbed(original.getCause(), depth + 1));
        copy.setStackTrace(original.getStackTrace());
        return copy;
    }

    /** Stands in for an exception whose message had to be scrubbed; its message starts with the original class. */
    public static final class ScrubbedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ScrubbedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * "SimpleName: message" of a throwable, scrubbed, and, when its cause chain goes deeper, the innermost
     * cause too: azure-identity wraps the useful text ("Unable to load the requested managed identity") in
     * "Managed Identity authentication failed, see inner exception for more information".
     */
    public static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        Throwable outer = error;
        while (outer.getMessage() == null || outer.getMessage().isBlank()) {
            if (outer.getCause() == null || outer.getCause() == outer) {
                break;
            }
            outer = outer.getCause();
        }
        Throwable root = outer;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 20; depth++) {
            root = root.getCause();
        }
        String text = one(outer);
        if (root != outer
                && root.getMessage() != null
                && !root.getMessage().isBlank()
                && !outer.getMessage().contains(root.getMessage())) {
            text = text + " (caused by " + one(root) + ")";
        }
        return text;
    }

    private static String one(Throwable t) {
        String message = t.getMessage();
        if (t instanceof ScrubbedException) {
            return scrub(message);
        }
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + scrub(message));
    }
}
