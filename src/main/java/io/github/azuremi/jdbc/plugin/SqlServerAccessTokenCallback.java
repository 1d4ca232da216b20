package io.github.azuremi.jdbc.plugin;

import com.microsoft.sqlserver.jdbc.SqlAuthenticationToken;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.SqlServerDialect;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.internal.token.CachedToken;

import java.util.Properties;

/**
 * mssql-jdbc's access-token callback, for {@code accessTokenCallbackClass} (mssql-jdbc 12.4 or later):
 *
 * <pre>{@code
 * jdbc:sqlserver://<server>.database.windows.net:1433;databaseName=<db>;
 *     accessTokenCallbackClass=io.github.azuremi.jdbc.plugin.SqlServerAccessTokenCallback
 * }</pre>
 *
 * <p>mssql-jdbc hands the callback none of the connection's properties, so its settings are JVM system properties
 * with the prefix {@code azuremi.}: {@code -Dazuremi.managedIdentityClientId=<client id>},
 * {@code -Dazuremi.credential=managed-identity}, and so on (the names of {@code ManagedIdentityDataSource}). The
 * scope follows from the audience the server announces, which must be a database audience (a server cannot obtain
 * a token for another service this way), unless {@code azuremi.tokenScope} names one. The transport is mssql-jdbc's
 * to secure (its defaults, {@code encrypt=true} with certificate and host name checks, are safe): the callback cannot
 * see {@code trustServerCertificate}. Thread-safe; tokens come from the library's shared cache.
 */
public final class SqlServerAccessTokenCallback implements com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback {

  /** The prefix of this callback's JVM system properties. */
  public static final String SYSTEM_PROPERTY_PREFIX = "azuremi.";

  /** Called by mssql-jdbc (no-argument constructor, one instance per connection). */
  public SqlServerAccessTokenCallback() {}

  @Override
  public SqlAuthenticationToken getAccessToken(String spn, String stsUrl) {
    String name = getClass().getSimpleName();
    try {
      PluginSettings settings = PluginSettings.read(systemSettings(), "the JVM system properties "
          + SYSTEM_PROPERTY_PREFIX + "*");
      String scope = ((SqlServerDialect) Dialect.SQLSERVER).pluginScope(spn, settings.scope());
      CachedToken token = PluginTokens.shared().acquire(settings, scope, settings.timings().fetchTimeout(),
          "mssql-jdbc " + name);
      SqlServerDialect.guardPacketLogs();
      return new SqlAuthenticationToken(token.accessToken(), token.expiresAt().toEpochMilli());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " - " + e.getMessage(), e);
    }
  }

  private static Properties systemSettings() {
    Properties settings = new Properties();
    Properties system = System.getProperties();
    for (String key : system.stringPropertyNames()) {
      if (key.startsWith(SYSTEM_PROPERTY_PREFIX)) {
        settings.setProperty(key.substring(SYSTEM_PROPERTY_PREFIX.length()), system.getProperty(key));
      }
    }
    return settings;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName();
  }
}
