package io.github.azuremi.jdbc.token;

import java.util.regex.Pattern;

/**
 * Defence in depth for messages that quote other libraries: azure-identity and MSAL may put parts of an
 * HTTP response into an exception message. Anything shaped like a JWT is cut out before a message of
 * ours is built from it, and long messages are shortened.
 */
public final class Redaction {

  private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");
  private static final int MAX_LENGTH = 500;

  private Redaction() {}

  /** The text with JWT-shaped substrings replaced and at most 500 characters kept. */
  public static String scrub(String text) {
    if (text == null) {
      return null;
    }
    String scrubbed = JWT.matcher(text).replaceAll("[token redacted]");
    return scrubbed.length() <= MAX_LENGTH ? scrubbed : scrubbed.substring(0, MAX_LENGTH) + "...";
  }

  /** "SimpleName: message" of a throwable, scrubbed; follows the cause chain while the message is empty. */
  public static String describe(Throwable error) {
    Throwable t = error;
    while (t != null && (t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t == null) {
      return "unknown error";
    }
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + scrub(message));
  }
}
