package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import java.util.Properties;

/**
 * One login route, checked: where the token goes and over what ({@link Target}), with which identity settings, for
 * which scope, as which database user. Every surface (the data source, the driver plugins, the check command) makes
 * its route here, so that the credential checks, the transport decision and the scope are the same everywhere.
 * Immutable.
 *
 * @param target   where the logins go, as the driver reads its URL and properties, and whether the token may
 * @param settings the identity settings, checked
 * @param scope    the scope of the tokens (named and checked, or derived from the host)
 * @param username the database user (PostgreSQL, MySQL); null where the token is the login itself (SQL Server)
 */
public record LoginPlan(Target target, IdentitySettings settings, String scope, String username) {

    /** What a wrong named scope's message adds on the data source, whose scope follows from jdbcUrl. */
    public static final String POOL_SCOPE_HINT = "Leave tokenScope unset to derive it from jdbcUrl";
    /** What it adds on the driver plugins, which read {@code azure.scopes} too. */
    public static final String PLUGIN_SCOPE_HINT =
            "Leave tokenScope (and azure.scopes) unset to derive it from the server's host";

    /**
     * The first half of a route given as a URL (the data source, {@code jdbc:azuremi:sqlserver:}): the settings must
     * not fight a token login (a password, a user where none belongs), and the token goes only over a transport that
     * verifies the server, unless {@code allowUnverifiedTransport}.
     *
     * @throws IllegalArgumentException naming the setting and the fix
     */
    public static Target target(
            Dialect dialect,
            String jdbcUrl,
            Properties driverProperties,
            String username,
            boolean allowUnverifiedTransport) {
        String credentialsProblem = dialect.checkCredentials(jdbcUrl, driverProperties, username);
        if (credentialsProblem != null) {
            throw new IllegalArgumentException(credentialsProblem);
        }
        return dialect.target(jdbcUrl, driverProperties, allowUnverifiedTransport);
    }

    /**
     * The host a URL's logins go to first, read as the driver reads it, whatever the transport: for a diagnosis,
     * which reports the transport's verdict at its test login.
     *
     * @throws IllegalArgumentException when the driver could not read the URL
     */
    public static String hostOf(Dialect dialect, String jdbcUrl) {
        return dialect.target(jdbcUrl, new Properties(), true).firstHost();
    }

    /**
     * The route to {@code target} with {@code settings}: the scope follows (see {@link LoginScope#choose}).
     *
     * @param scopeHint {@link #POOL_SCOPE_HINT} or {@link #PLUGIN_SCOPE_HINT}
     * @throws IllegalArgumentException when the named scope is not this database's, or contradicts the cloud
     */
    public static LoginPlan of(Target target, IdentitySettings settings, String username, String scopeHint) {
        Dialect dialect = target.dialect();
        String scope = LoginScope.choose(dialect, settings.scope(), settings.cloud(), target.firstHost(), scopeHint);
        return new LoginPlan(target, settings, scope, dialect.loginWithUsername() ? username : null);
    }

    public Dialect dialect() {
        return target.dialect();
    }

    /** The key of the shared token of this route's identity and scope, with {@code credential} as the identity. */
    public TokenKey tokenKey(CredentialSource credential) {
        return new TokenKey(credential, scope, settings.tenantId());
    }
}
