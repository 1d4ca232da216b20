package io.github.azuremi.jdbc.internal.db;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough of a JDBC URL to pick the scope and spot conflicting settings: the kind, the first host and
 * the parameters (PostgreSQL/MySQL {@code ?a=b&c=d}, SQL Server {@code ;a=b;c=d}). Parameter names are
 * lower-cased; values are kept but never logged by this library.
 */
public final class JdbcUrl {

  private final DatabaseKind kind;
  private final String host;
  private final Map<String, String> parameters;

  private JdbcUrl(DatabaseKind kind, String host, Map<String, String> parameters) {
    this.kind = kind;
    this.host = host;
    this.parameters = parameters;
  }

  /** Parses a URL of a supported kind; throws IllegalArgumentException (with the reason) otherwise. */
  public static JdbcUrl parse(String url) {
    DatabaseKind kind = DatabaseKind.fromJdbcUrl(url);
    if (kind == null) {
      throw new IllegalArgumentException("not a jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver: URL");
    }
    String rest = url.trim().substring(kind.urlPrefix().length());
    int slashes = rest.indexOf("//");
    if (slashes < 0) {
      throw new IllegalArgumentException("the URL has no //host part");
    }
    // jdbc:mysql:loadbalance://, jdbc:mysql+srv: etc. keep their authority after the first //
    String authorityAndRest = rest.substring(slashes + 2);
    Map<String, String> parameters = new LinkedHashMap<>();
    String authority;
    if (kind == DatabaseKind.SQLSERVER) {
      int semi = authorityAndRest.indexOf(';');
      authority = semi < 0 ? authorityAndRest : authorityAndRest.substring(0, semi);
      if (semi >= 0) {
        parseInto(parameters, authorityAndRest.substring(semi + 1), ";");
      }
    } else {
      int end = indexOfAny(authorityAndRest, "/?");
      authority = end < 0 ? authorityAndRest : authorityAndRest.substring(0, end);
      int query = authorityAndRest.indexOf('?');
      if (query >= 0) {
        parseInto(parameters, authorityAndRest.substring(query + 1), "&");
      }
    }
    String host = firstHost(authority, kind);
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the URL names no host");
    }
    return new JdbcUrl(kind, host, parameters);
  }

  private static String firstHost(String authority, DatabaseKind kind) {
    String first = authority;
    int comma = first.indexOf(',');
    if (comma >= 0) {
      first = first.substring(0, comma);
    }
    int at = first.lastIndexOf('@');
    if (at >= 0) {
      first = first.substring(at + 1);
    }
    if (first.startsWith("[")) { // IPv6 literal
      int close = first.indexOf(']');
      return close < 0 ? first : first.substring(1, close);
    }
    if (first.startsWith("address=")) { // MySQL address=(host=..)(port=..)
      int h = first.indexOf("host=");
      if (h >= 0) {
        int end = first.indexOf(')', h);
        return first.substring(h + 5, end < 0 ? first.length() : end);
      }
    }
    int colon = first.indexOf(':');
    if (colon >= 0) {
      first = first.substring(0, colon);
    }
    if (kind == DatabaseKind.SQLSERVER) {
      int backslash = first.indexOf('\\');
      if (backslash >= 0) {
        first = first.substring(0, backslash);
      }
    }
    return first.trim();
  }

  private static void parseInto(Map<String, String> into, String text, String separator) {
    for (String pair : text.split(separator)) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = (eq < 0 ? pair : pair.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
      into.put(name, value);
    }
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  public DatabaseKind kind() {
    return kind;
  }

  public String host() {
    return host;
  }

  /** Whether the URL sets the parameter (name compared case-insensitively). */
  public boolean hasParameter(String name) {
    return parameters.containsKey(name.toLowerCase(Locale.ROOT));
  }

  public String parameter(String name) {
    return parameters.get(name.toLowerCase(Locale.ROOT));
  }

  public boolean isLoopbackHost() {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }

  @Override
  public String toString() {
    return kind.displayName() + " at " + host;
  }
}
