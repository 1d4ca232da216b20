package io.github.azuremi.jdbc.internal.login;

import com.zaxxer.hikari.HikariConfig;
import io.github.azuremi.jdbc.internal.compat.HikariCompat;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.db.Target;

/**
 * The data source's start-up checks, in the order their messages are documented: first what HikariCP would do
 * instead of the token login (another data source, a credentials provider), then the URL and the credentials, the
 * transport, and last the identity settings and the scope. The result is the pool's {@link LoginPlan}; a problem is
 * an {@link IllegalArgumentException} whose message (without the pool's name) names the setting and the fix.
 */
public final class PoolLoginCheck {

    private PoolLoginCheck() {}

    /**
     * The plan, or the first problem: logged at error and thrown, with the pool's name (or the class's, before
     * HikariCP names the pool).
     *
     * @param pool            the pool's HikariCP settings
     * @param refusedPassword a password the user set, or null (the token is the password)
     * @param identity        the identity as set
     * @param source          the pool's identity settings, as the bean holds them
     */
    public static LoginPlan check(
            HikariConfig pool,
            String refusedPassword,
            PoolIdentity identity,
            SettingSource source,
            boolean allowUnverifiedTransport) {
        try {
            return checked(pool, refusedPassword, identity, source, allowUnverifiedTransport);
        } catch (IllegalArgumentException e) {
            String name = pool.getPoolName() != null ? pool.getPoolName() : "ManagedIdentityDataSource";
            throw StartFailure.fatal(name, e.getMessage());
        }
    }

    /** The plan, or the reason the start refuses it (not logged: {@link #check} reports it). */
    static LoginPlan checked(
            HikariConfig pool,
            String refusedPassword,
            PoolIdentity identity,
            SettingSource source,
            boolean allowUnverifiedTransport) {
        if (pool.getDataSource() != null && !(pool.getDataSource() instanceof TokenAuthenticatingDataSource)
                || pool.getDataSourceClassName() != null
                || pool.getDataSourceJNDI() != null) {
            throw new IllegalArgumentException("dataSource, dataSourceClassName and dataSourceJNDI cannot be used: "
                    + "ManagedIdentityDataSource opens connections from jdbcUrl itself. Remove them and set jdbcUrl");
        }
        if (HikariCompat.credentialsProviderSet(pool)) { // HikariCP 7 only; Boot 3.5 brings 6.3
            throw new IllegalArgumentException(
                    "credentialsProvider cannot be used: ManagedIdentityDataSource supplies the credentials "
                            + "(the access token). Remove credentialsProvider");
        }
        String jdbcUrl = pool.getJdbcUrl();
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("jdbcUrl is required, for example "
                    + "jdbc:postgresql://<server>.postgres.database.azure.com:5432/<database>, "
                    + "jdbc:mysql://<server>.mysql.database.azure.com:3306/<database> or "
                    + "jdbc:sqlserver://<server>.database.windows.net:1433;databaseName=<database>");
        }
        Dialect dialect = Dialect.forJdbcUrl(jdbcUrl);
        if (dialect == null) {
            throw new IllegalArgumentException(
                    "jdbcUrl must start with jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver: (Azure Database "
                            + "for PostgreSQL or MySQL, or Azure SQL Database), but starts with " + scheme(jdbcUrl));
        }
        if (refusedPassword != null && !refusedPassword.isEmpty()) {
            throw new IllegalArgumentException(
                    "password must not be set: the password of each connection is the access token that "
                            + "ManagedIdentityDataSource fetches for the identity. Remove the password setting");
        }
        String driver = pool.getDriverClassName();
        if (driver != null && !driver.equals(dialect.driverClassName()) && !allowUnverifiedTransport) {
            throw new IllegalArgumentException("driverClassName " + driver + " is not " + dialect.driverClassName()
                    + ": the library reads jdbcUrl as " + dialect.driverClassName()
                    + " does to decide where the token may go, and cannot vouch for another driver. Remove "
                    + "driverClassName (or, only if you accept that, set allowUnverifiedTransport=true)");
        }
        Target target = LoginPlan.target(
                dialect, jdbcUrl, pool.getDataSourceProperties(), pool.getUsername(), allowUnverifiedTransport);
        if (identity.conflicts()) {
            throw new IllegalArgumentException(
                    "tokenCredential is set, so credential, managedIdentityClientId and tenantId would be "
                            + "ignored; remove them (configure the TokenCredential you pass instead)");
        }
        IdentitySettings settings = IdentitySettings.checkOrThrow(source);
        return LoginPlan.of(target, settings, pool.getUsername(), LoginPlan.POOL_SCOPE_HINT);
    }

    /** The part of a URL before its host: safe to print (a URL may carry secrets later on). */
    public static String scheme(String jdbcUrl) {
        int slashes = jdbcUrl.indexOf("//");
        String head = slashes < 0 ? jdbcUrl : jdbcUrl.substring(0, slashes);
        return head.length() > 40 ? head.substring(0, 40) : head;
    }
}
