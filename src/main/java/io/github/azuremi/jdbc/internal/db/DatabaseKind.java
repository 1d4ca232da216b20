package io.github.azuremi.jdbc.internal.db;

import java.util.Locale;
import java.util.Set;

/**
 * The databases this library logs in to, recognised from the JDBC URL, with what differs between them:
 * the default token scope per cloud, and the error codes that mean "the server refused these credentials".
 */
public enum DatabaseKind {

  /** Azure Database for PostgreSQL (flexible server). The token is the password of the mapped role. */
  POSTGRESQL("jdbc:postgresql:", "PostgreSQL", "https://ossrdbms-aad.", Set.of("28P01", "28000"), Set.of()),

  /** Azure Database for MySQL (flexible server). The token is a clear-text password, sent over TLS only. */
  MYSQL("jdbc:mysql:", "MySQL", "https://ossrdbms-aad.", Set.of("28000"), Set.of(1045)),

  /** Azure SQL Database. The token goes through mssql-jdbc's access-token callback, never as a password. */
  SQLSERVER("jdbc:sqlserver:", "SQL Server", "https://", Set.of("28000"), Set.of(18456));

  private final String urlPrefix;
  private final String displayName;
  private final String scopeHostPrefix;
  private final Set<String> authFailureSqlStates;
  private final Set<Integer> authFailureVendorCodes;

  DatabaseKind(String urlPrefix, String displayName, String scopeHostPrefix, Set<String> authFailureSqlStates,
               Set<Integer> authFailureVendorCodes) {
    this.urlPrefix = urlPrefix;
    this.displayName = displayName;
    this.scopeHostPrefix = scopeHostPrefix;
    this.authFailureSqlStates = authFailureSqlStates;
    this.authFailureVendorCodes = authFailureVendorCodes;
  }

  /** The kind whose prefix the URL starts with (case-insensitive), or null. */
  public static DatabaseKind fromJdbcUrl(String jdbcUrl) {
    if (jdbcUrl == null) {
      return null;
    }
    String lower = jdbcUrl.trim().toLowerCase(Locale.ROOT);
    for (DatabaseKind kind : values()) {
      if (lower.startsWith(kind.urlPrefix)) {
        return kind;
      }
    }
    return null;
  }

  /**
   * The scope of tokens for a server at {@code host}: sovereign-cloud hosts map to their cloud's scope.
   * PostgreSQL and MySQL share {@code ossrdbms-aad}; SQL Server uses {@code database}.
   */
  public String defaultScope(String host) {
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    String suffix;
    if (h.endsWith(".usgovcloudapi.net")) {
      suffix = "database.usgovcloudapi.net";
    } else if (h.endsWith(".chinacloudapi.cn")) {
      suffix = "database.chinacloudapi.cn";
    } else {
      suffix = "database.windows.net";
    }
    return scopeHostPrefix + suffix + "/.default";
  }

  public boolean isAuthFailure(String sqlState, int vendorCode) {
    return (sqlState != null && authFailureSqlStates.contains(sqlState)) || authFailureVendorCodes.contains(vendorCode);
  }

  public String urlPrefix() {
    return urlPrefix;
  }

  public String displayName() {
    return displayName;
  }
}
