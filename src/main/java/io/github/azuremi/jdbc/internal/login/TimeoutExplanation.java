package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.sql.SQLTransientConnectionException;

/**
 * What Hikari's "Connection is not available" does not say: the last connection failure and, when the token is the
 * reason, the state of the token. Hikari may time the caller out before the connection attempt that waits for a token
 * has failed, and then it has no failure to quote.
 */
public final class TimeoutExplanation {

    private TimeoutExplanation() {}

    /** {@code e} with the reason appended (same SQLState, code and stack), or {@code e} when there is none to add. */
    public static SQLTransientConnectionException explained(SQLTransientConnectionException e, TokenLease lease) {
        String why = why(e, lease);
        if (why == null) {
            return e;
        }
        SQLTransientConnectionException explained = new SQLTransientConnectionException(
                e.getMessage() + "; " + why,
                e.getSQLState(),
                e.getErrorCode(),
                e.getCause() != null ? e.getCause() : e);
        explained.setStackTrace(e.getStackTrace());
        return explained;
    }

    private static String why(SQLTransientConnectionException e, TokenLease lease) {
        StringBuilder why = new StringBuilder();
        Throwable cause = e.getCause();
        if (cause != null
                && cause.getMessage() != null
                && e.getMessage() != null
                && !e.getMessage().contains(cause.getMessage())) {
            why.append("last connection failure: ").append(cause.getMessage());
        }
        String tokenState = lease == null ? null : lease.unavailableReason();
        if (tokenState != null
                && (cause == null || !String.valueOf(cause.getMessage()).contains("access token"))) {
            why.append(why.length() == 0 ? "" : "; ").append(tokenState);
        }
        return why.length() == 0 ? null : why.toString();
    }
}
