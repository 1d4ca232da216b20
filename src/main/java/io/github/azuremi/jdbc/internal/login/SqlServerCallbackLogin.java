package io.github.azuremi.jdbc.internal.login;

import com.microsoft.sqlserver.jdbc.SQLServerAccessTokenCallback;
import com.microsoft.sqlserver.jdbc.SQLServerDataSource;
import com.microsoft.sqlserver.jdbc.SqlAuthenticationToken;
import io.github.azuremi.jdbc.internal.db.PacketLogGuard;
import io.github.azuremi.jdbc.internal.db.SqlServerDialect;
import io.github.azuremi.jdbc.internal.db.Target;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The mssql-jdbc glue, in one class so that the driver is needed only by users of SQL Server: the token
 * reaches the driver through its access-token callback ({@link SQLServerAccessTokenCallback}), never as a
 * user or password. The driver calls the callback on every login and caches nothing; the callback serves
 * the token that {@link TokenAuthenticatingDataSource} chose for this login (so that a refused login can
 * be retried with a fresh one), or, when the driver logs in on its own (idle-connection resiliency
 * reconnects), the current token of the shared cache.
 */
final class SqlServerCallbackLogin implements TokenAuthenticatingDataSource.Login {

    private static final ThreadLocal<CachedToken> TOKEN_FOR_THIS_LOGIN = new ThreadLocal<>();

    private final String jdbcUrl;
    private final Target target;
    private final Callback callback;

    private SqlServerCallbackLogin(String jdbcUrl, Target target, TokenLease lease, Duration reconnectTimeout) {
        this.jdbcUrl = jdbcUrl;
        this.target = target;
        this.callback = new Callback(lease, reconnectTimeout);
    }

    /**
     * One data source per login, so that each gets its own loginTimeout (bounding the TCP connect and the whole
     * login, as Hikari's login timeout asks). mssql-jdbc's packet-dumping loggers are held back meanwhile.
     */
    @Override
    public Connection connect(String username, CachedToken token, Duration timeout) throws SQLException {
        SQLServerDataSource ds = new SQLServerDataSource();
        ds.setURL(SqlServerDialect.connectionString(
                jdbcUrl, target.dialect().withLoginTimeout(target.driverProperties(), timeout)));
        ds.setAccessTokenCallback(callback);
        TOKEN_FOR_THIS_LOGIN.set(token);
        try (PacketLogGuard.Scope ignored = PacketLogGuard.enter()) {
            return ConnectionReady.afterLogin(ds.getConnection(), target);
        } finally {
            TOKEN_FOR_THIS_LOGIN.remove();
        }
    }

    private record Callback(TokenLease lease, Duration timeout) implements SQLServerAccessTokenCallback {
        @Override
        public SqlAuthenticationToken getAccessToken(String spn, String stsUrl) {
            CachedToken token = TOKEN_FOR_THIS_LOGIN.get();
            if (token == null) {
                token = lease.acquire(timeout); // a reconnect by the driver itself (idle-connection resiliency)
                PacketLogGuard.tokenRequested();
            }
            return new SqlAuthenticationToken(
                    token.accessToken(), token.expiresAt().toEpochMilli());
        }

        @Override
        public String toString() {
            return "ManagedIdentityAccessTokenCallback{" + lease.key() + '}';
        }
    }

    /** Only once mssql-jdbc is known to be there (see {@link PoolWiring}): this class needs its classes. */
    static TokenAuthenticatingDataSource.Login create(
            String jdbcUrl, Target target, TokenLease lease, Duration reconnectTimeout) {
        return new SqlServerCallbackLogin(jdbcUrl, target, lease, reconnectTimeout);
    }
}
