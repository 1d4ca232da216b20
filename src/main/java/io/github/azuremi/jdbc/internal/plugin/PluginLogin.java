package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.PostgresDialect;
import io.github.azuremi.jdbc.internal.db.SqlServerDialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.login.LoginScope;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import java.time.Duration;
import java.util.Properties;

/**
 * What the three driver plugins share: read the settings, choose the scope (as every surface does: {@link LoginScope}),
 * get the token from {@link PluginTokens}.
 * The driver glue (one small public class per driver in {@code io.github.azuremi.jdbc.plugin}) only translates
 * between its driver's types and these calls.
 */
public final class PluginLogin {

    /** Where the settings of the pgjdbc and Connector/J plugins come from, for messages. */
    public static final String FROM_URL = "the JDBC URL or driver properties";

    private PluginLogin() {}

    /**
     * pgjdbc's login: the settings among the login's properties (a password pgjdbc read from a pgpass file is not the
     * user's: only one the user set is refused), the transport of the connection, and the token.
     *
     * @throws IllegalArgumentException naming what is wrong in the settings or the transport
     * @throws io.github.azuremi.jdbc.TokenUnavailableException when no token can be had in time
     */
    public static String pgjdbcToken(Properties properties, String plugin) {
        PostgresDialect dialect = (PostgresDialect) Dialect.POSTGRESQL;
        PluginSettings settings = PluginSettings.read(dialect.withoutPgpassPassword(properties), FROM_URL);
        Target target = dialect.pluginTarget(properties, settings.allowUnverifiedTransport());
        Duration timeout =
                seconds(properties, "loginTimeout", settings.timings().fetchTimeout());
        return token(dialect, settings, target.firstHost(), timeout, "pgjdbc " + plugin)
                .accessToken();
    }

    /**
     * SQL Server's access-token callback: the token for the audience the server announced ({@code spn}), checked by
     * {@link LoginScope#announcedBy}. The driver sends it next: its packet loggers drop their dumps for a while.
     */
    public static CachedToken sqlServerToken(PluginSettings settings, String spn, String what) {
        String scope = LoginScope.announcedBy(spn, settings.scope());
        CachedToken token = PluginTokens.shared()
                .acquire(settings, scope, settings.timings().fetchTimeout(), what);
        SqlServerDialect.guardPacketLogs();
        return token;
    }

    /**
     * The settings among the JVM system properties whose names start with {@code prefix} (without it): where
     * mssql-jdbc's callback, which is handed none of the connection's properties, finds its own.
     */
    public static PluginSettings systemPropertySettings(String prefix) {
        Properties settings = new Properties();
        Properties system = System.getProperties();
        for (String key : system.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                settings.setProperty(key.substring(prefix.length()), system.getProperty(key));
            }
        }
        return PluginSettings.read(settings, "the JVM system properties " + prefix + "*", name -> "-D" + prefix + name);
    }

    /** The token for one login of {@code dialect} to {@code host}, or an exception that names what is wrong. */
    public static CachedToken token(
            Dialect dialect, PluginSettings settings, String host, Duration timeout, String what) {
        Route route = new Route(dialect, settings, host);
        String scope = SCOPES.get(route); // every login of a pool takes the same route: the scope is chosen once
        if (scope == null) {
            scope = LoginScope.choose(dialect, settings.scope(), settings.cloud(), host, LoginPlan.PLUGIN_SCOPE_HINT);
            if (SCOPES.size() >= 256) {
                SCOPES.clear(); // a bound, not an eviction policy
            }
            SCOPES.put(route, scope);
        }
        return PluginTokens.shared().acquire(settings, scope, timeout, what);
    }

    private static final java.util.concurrent.ConcurrentMap<Route, String> SCOPES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Database, settings and host of a login (equals written out: see TokenSettings on JDK 17's record cache). */
    private static final class Route {
        final Dialect dialect;
        final PluginSettings settings;
        final String host;

        Route(Dialect dialect, PluginSettings settings, String host) {
            this.dialect = dialect;
            this.settings = settings;
            this.host = host == null ? "" : host;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Route other
                    && dialect == other.dialect
                    && host.equals(other.host)
                    && settings.equals(other.settings);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * dialect.hashCode() + settings.hashCode()) + host.hashCode();
        }
    }

    /** {@code name} as a positive whole number of seconds in {@code properties}, else {@code fallback}. */
    public static Duration seconds(Properties properties, String name, Duration fallback) {
        String value = properties.getProperty(name);
        try {
            long s = value == null ? 0 : Long.parseLong(value.trim());
            return s > 0 ? Duration.ofSeconds(s) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
