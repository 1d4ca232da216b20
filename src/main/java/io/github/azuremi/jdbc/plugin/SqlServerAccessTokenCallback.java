package io.github.azuremi.jdbc.plugin;

import com.microsoft.sqlserver.jdbc.SqlAuthenticationToken;
import io.github.azuremi.jdbc.internal.plugin.PluginLogin;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mssql-jdbc's access-token callback. Use it through {@link SqlServerTokenDriver} ({@code jdbc:azuremi:sqlserver://...}),
 * which checks the connection's transport settings first and then logs in with this callback.
 *
 * <p>Named directly in a {@code jdbc:sqlserver:} URL ({@code accessTokenCallbackClass=}, mssql-jdbc 12.4 or later)
 * it refuses to hand out a token unless {@code -Dazuremi.allowUnverifiedTransport=true}: mssql-jdbc hands it only
 * {@code (spn, stsurl)}, so it cannot see whether {@code encrypt=false/optional} or
 * {@code trustServerCertificate=true} made the driver accept any certificate (a man in the middle would receive the
 * token).
 *
 * <p>mssql-jdbc hands the callback none of the connection's properties, so its settings are JVM system properties
 * with the prefix {@code azuremi.}: {@code -Dazuremi.managedIdentityClientId=<client id>},
 * {@code -Dazuremi.credential=managed-identity}, and so on (the names of {@code ManagedIdentityDataSource}). The
 * scope follows from the audience the server announces, which must be a database audience (a server cannot obtain
 * a token for another service this way), unless {@code azuremi.tokenScope} names one. Thread-safe; tokens come from
 * the library's shared cache.
 */
public final class SqlServerAccessTokenCallback implements com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback {

    /** The prefix of this callback's JVM system properties. */
    public static final String SYSTEM_PROPERTY_PREFIX = "azuremi.";

    private static final String NAME = "SqlServerAccessTokenCallback";
    private static final Logger LOG = LoggerFactory.getLogger(SqlServerAccessTokenCallback.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** True when {@link SqlServerTokenDriver} checked this connection's transport before the login. */
    private final boolean transportChecked;

    /** Called by mssql-jdbc for {@code accessTokenCallbackClass} (no-argument constructor, one instance per login). */
    public SqlServerAccessTokenCallback() {
        this(false);
    }

    SqlServerAccessTokenCallback(boolean transportChecked) {
        this.transportChecked = transportChecked;
    }

    @Override
    public SqlAuthenticationToken getAccessToken(String spn, String stsUrl) {
        try {
            PluginSettings settings = settings();
            if (!transportChecked) {
                uncheckedTransport(settings);
            }
            CachedToken token = PluginLogin.sqlServerToken(settings, spn, "mssql-jdbc " + NAME);
            return new SqlAuthenticationToken(
                    token.accessToken(), token.expiresAt().toEpochMilli());
        } catch (RuntimeException e) {
            // mssql-jdbc reports any exception of a callback named in the URL as "Invalid accessTokenCallbackClass" and
            // keeps only its CAUSE: the cause carries the message that says what failed (settings, token timeout...)
            Failure why = new Failure(NAME + " - " + e.getMessage(), e);
            throw new IllegalStateException(why.getMessage(), why);
        }
    }

    /** The callback's settings: the JVM system properties {@code azuremi.*}, without the prefix. */
    static PluginSettings settings() {
        return PluginLogin.systemPropertySettings(SYSTEM_PROPERTY_PREFIX);
    }

    /** Named in a URL, this callback cannot know what protects the token: only the explicit opt-in lets it through. */
    private static void uncheckedTransport(PluginSettings settings) {
        if (!settings.allowUnverifiedTransport()) {
            throw new IllegalArgumentException(
                    "no token is sent: named in a jdbc:sqlserver: URL (accessTokenCallbackClass), "
                            + "the callback cannot see whether mssql-jdbc verifies the server's certificate (encrypt=false, "
                            + "encrypt=optional or trustServerCertificate=true make it accept any certificate, and a man in the middle "
                            + "would receive the token). Use the URL " + SqlServerTokenDriver.URL_PREFIX
                            + "//<server>:1433;"
                            + "databaseName=<db> instead (driver " + SqlServerTokenDriver.class.getName()
                            + ", which checks those "
                            + "settings and then logs in with this callback; remove accessTokenCallbackClass), or "
                            + "ManagedIdentityDataSource; only if every URL that names this callback keeps mssql-jdbc's verifying "
                            + "defaults, set -D" + SYSTEM_PROPERTY_PREFIX + "allowUnverifiedTransport=true");
        }
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn(
                    "{} - {}allowUnverifiedTransport=true: the transport of logins through accessTokenCallbackClass is not "
                            + "checked; the token goes to whatever server mssql-jdbc connects to, even with encrypt=false, "
                            + "encrypt=optional or trustServerCertificate=true. Prefer {}",
                    NAME,
                    SYSTEM_PROPERTY_PREFIX,
                    SqlServerTokenDriver.URL_PREFIX);
        }
    }

    /** The library's own failure of a login, found by {@link SqlServerTokenDriver} in what mssql-jdbc throws. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return NAME;
    }
}
