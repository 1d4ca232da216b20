package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * What the three driver plugins share: read the settings, choose the scope, get the token from {@link PluginTokens}.
 * The driver glue (one small public class per driver in {@code io.github.azuremi.jdbc.plugin}) only translates
 * between its driver's types and these calls.
 */
public final class PluginLogin {

    /** Where the settings of the pgjdbc and Connector/J plugins come from, for messages. */
    public static final String FROM_URL = "the JDBC URL or driver properties";

    private PluginLogin() {}

    /**
     * The scope of tokens for a login to {@code host}: the one the user named (which must be an audience of this
     * database), else the audience of the host's cloud, or of the cloud {@code azure.authorityHost} names.
     */
    public static String scope(Dialect dialect, PluginSettings settings, String host) {
        if (settings.scope() != null) {
            String problem = dialect.checkScope(settings.scope());
            if (problem != null) {
                throw new IllegalArgumentException(problem
                        + ". Leave tokenScope (and azure.scopes) unset to derive it from the " + "server's host");
            }
            return settings.scope().trim();
        }
        String fromHost = dialect.defaultScope(host);
        if (settings.cloud() == null) {
            return fromHost;
        }
        String fromAuthority = dialect.defaultScope("server." + settings.cloud());
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        boolean hostNamesCloud = Dialect.CLOUDS.stream().anyMatch(c -> h.endsWith("." + c));
        if (hostNamesCloud && !fromHost.equals(fromAuthority)) {
            throw new IllegalArgumentException(
                    "azure.authorityHost names the cloud of " + settings.cloud() + ", but the server " + host
                            + " is in another cloud (its tokens are for " + fromHost + "); remove azure.authorityHost");
        }
        return fromAuthority;
    }

    /** The token for one login of {@code dialect} to {@code host}, or an exception that names what is wrong. */
    public static CachedToken token(
            Dialect dialect, PluginSettings settings, String host, Duration timeout, String what) {
        Route route = new Route(dialect, settings, host);
        String scope = SCOPES.get(route); // every login of a pool takes the same route: the scope is chosen once
        if (scope == null) {
            scope = scope(dialect, settings, host);
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
