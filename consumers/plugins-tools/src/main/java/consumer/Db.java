package consumer;

/**
 * One database as a URL-only tool sees it: {@code url} names the token plugin (and no password), {@code urlWithoutPlugin}
 * is the same URL without it (which the server must refuse: there is no password anywhere).
 */
record Db(String name, boolean postgres, String url, String urlWithoutPlugin, String user) {

  static Db fromSystemProperties(String name) {
    String base = required(name + ".url");
    String plugin = required(name + ".plugin");
    String sep = base.contains("?") ? "&" : "?";
    return new Db(name, base.startsWith("jdbc:postgresql:"), base + sep + plugin, base, required("db.user"));
  }

  /** The URL with user= in it, for a bare {@code DriverManager.getConnection(url)}. */
  String urlWithUser(String url) {
    return url + (url.contains("?") ? "&" : "?") + "user=" + user;
  }

  private static String required(String key) {
    String v = System.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("set -D" + key);
    }
    return v;
  }
}
