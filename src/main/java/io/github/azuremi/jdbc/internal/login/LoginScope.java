package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.SqlServerDialect;
import java.util.Locale;

/**
 * The one place that decides which scope a login's tokens are for, on every surface: the scope the user named (which
 * must be an audience of this database), else the audience of the server's cloud, or of the cloud
 * {@code azure.authorityHost} names. A token of another service must never reach a database as a password, so a
 * named scope is always checked.
 */
public final class LoginScope {

    private LoginScope() {}

    /**
     * The scope of tokens for a login to {@code host}.
     *
     * @param named  the scope the user set (trimmed), or null to derive it
     * @param cloud  the cloud suffix {@code azure.authorityHost} names, or null
     * @param unsetHint what the message adds after a wrong named scope ("Leave tokenScope unset to ...")
     * @throws IllegalArgumentException naming the problem and the fix
     */
    public static String choose(Dialect dialect, String named, String cloud, String host, String unsetHint) {
        if (named != null) {
            String problem = dialect.checkScope(named);
            if (problem != null) {
                throw new IllegalArgumentException(problem + ". " + unsetHint);
            }
            return named.trim();
        }
        return derived(dialect, cloud, host);
    }

    /** The scope derived from the host (and the cloud of {@code azure.authorityHost}, when set); the user named none. */
    public static String derived(Dialect dialect, String cloud, String host) {
        String fromHost = dialect.defaultScope(host);
        if (cloud == null) {
            return fromHost;
        }
        String fromAuthority = dialect.defaultScope("server." + cloud);
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        boolean hostNamesCloud = Dialect.CLOUDS.stream().anyMatch(c -> h.endsWith("." + c));
        if (hostNamesCloud && !fromHost.equals(fromAuthority)) {
            throw new IllegalArgumentException("azure.authorityHost names the cloud of " + cloud + ", but the server "
                    + host + " is in another cloud (its tokens are for " + fromHost + "); remove azure.authorityHost");
        }
        return fromAuthority;
    }

    /**
     * SQL Server's access-token callback: the scope for the audience the server announced ({@code spn}), or the named
     * one; either must be a database audience, so that a server cannot obtain a token for another service.
     */
    public static String announcedBy(String spn, String named) {
        return ((SqlServerDialect) Dialect.SQLSERVER).pluginScope(spn, named);
    }
}
