package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DataSource HikariCP opens physical connections with: it logs in with the cached token as the
 * password (PostgreSQL, MySQL) and, when the server refuses a cached token, gets one fresh token and
 * retries the login once.
 *
 * <p>Hikari calls {@link #getConnection()} or {@link #getConnection(String, String)} from its connection
 * adder thread and, at start, from the first caller; both ignore any password passed in. The login timeout
 * Hikari sets (derived from {@code connectionTimeout}) bounds the wait for a token and is handed to the driver
 * (its connect, socket and login timeouts), so that a server that accepts TCP and then says nothing cannot hold
 * the caller longer.
 */
public final class TokenAuthenticatingDataSource implements DataSource {

    private static final Logger LOG = LoggerFactory.getLogger(TokenAuthenticatingDataSource.class);

    /** A login that gives a driver the token; one implementation per way the token reaches the driver. */
    @FunctionalInterface
    public interface Login {
        /** Logs in with {@code token}; the driver must give up within {@code timeout}. */
        Connection connect(String username, CachedToken token, Duration timeout) throws SQLException;
    }

    private final String poolName;
    private final Dialect dialect;
    private final String username;
    private final TokenLease lease;
    private final Login login;
    private volatile int loginTimeoutSeconds = 30;

    public TokenAuthenticatingDataSource(
            String poolName, Dialect dialect, String username, TokenLease lease, Login login) {
        this.poolName = poolName;
        this.dialect = Objects.requireNonNull(dialect);
        this.username = username;
        this.lease = Objects.requireNonNull(lease);
        this.login = Objects.requireNonNull(login);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Duration timeout = Duration.ofSeconds(loginTimeoutSeconds);
        CachedToken token = token(timeout);
        try {
            return login.connect(username, token, timeout);
        } catch (SQLException refused) {
            if (!isAuthFailure(refused)) {
                throw refused;
            }
            return retryWithFreshToken(token, refused, timeout);
        }
    }

    private Connection retryWithFreshToken(CachedToken refusedToken, SQLException refused, Duration timeout)
            throws SQLException {
        CachedToken fresh;
        try {
            fresh = lease.replaceRejected(refusedToken, timeout);
        } catch (TokenUnavailableException e) {
            refused.addSuppressed(e);
            throw refused;
        }
        if (fresh == null) {
            throw explainRefusal(refused, null, false);
        }
        if (fresh.sameTokenAs(refusedToken)) {
            // The credential handed back the token it holds (MSAL caches managed-identity tokens until its own
            // refresh point): the same login would fail the same way.
            throw explainRefusal(refused, null, true);
        }
        LOG.debug(
                "{} - {} refused the cached token ({}); retrying once with {} token",
                poolName,
                dialect.displayName(),
                refused.getSQLState(),
                fresh.sameTokenAs(refusedToken) ? "the same" : "a fresh");
        try {
            return login.connect(username, fresh, timeout);
        } catch (SQLException again) {
            if (isAuthFailure(again)) {
                throw explainRefusal(again, refused, false);
            }
            again.addSuppressed(refused);
            throw again;
        }
    }

    private CachedToken token(Duration timeout) throws SQLException {
        try {
            return lease.acquire(timeout);
        } catch (TokenUnavailableException e) {
            throw new SQLTransientConnectionException(poolName + " - " + e.getMessage(), "08001", e);
        }
    }

    /** A refusal that a fresh token did not cure: the identity is probably not mapped to this user. */
    private SQLException explainRefusal(SQLException refusal, SQLException first, boolean sameToken) {
        String who = username == null ? "the token's identity" : "user \"" + username + "\"";
        String retried = sameToken
                ? "The credential returned the same token again (azure-identity caches it), so the login was not retried"
                : first != null
                        ? "A fresh token did not help"
                        : "A replacement token was requested moments ago and did not help";
        SQLInvalidAuthorizationSpecException explained = new SQLInvalidAuthorizationSpecException(
                poolName + " - "
                        + dialect.displayName() + " refused a current access token of "
                        + lease.key().credential() + " for " + who
                        + " (SQLState " + refusal.getSQLState() + ", error " + refusal.getErrorCode() + ": "
                        + refusal.getMessage() + "). " + retried + "; the identity is probably not mapped to "
                        + "this database user: " + dialect.roleHint(),
                refusal.getSQLState(),
                refusal.getErrorCode(),
                refusal);
        if (first != null) {
            explained.addSuppressed(first);
        }
        return explained;
    }

    private boolean isAuthFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && dialect.isAuthFailure(sql.getSQLState(), sql.getErrorCode())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Hikari passes its configured credentials; the username is ours and the password is always the token. */
    @Override
    public Connection getConnection(String ignoredUsername, String ignoredPassword) throws SQLException {
        return getConnection();
    }

    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds <= 0 ? 30 : seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // not used
    }

    @Override
    public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("Not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "TokenAuthenticatingDataSource{" + poolName + ", " + dialect.displayName() + ", user " + username + '}';
    }
}
