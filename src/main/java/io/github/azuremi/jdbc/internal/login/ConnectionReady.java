package io.github.azuremi.jdbc.internal.login;

import io.github.azuremi.jdbc.internal.db.Target;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The last step of every login, whatever carried the token: the login-only settings (short socket timeouts that bound
 * a silent server) are undone on the new connection. A connection that cannot be readied is closed, never handed out
 * half-configured.
 */
public final class ConnectionReady {

    private ConnectionReady() {}

    /** {@code c}, ready for use; or closed, and the failure thrown. */
    public static Connection afterLogin(Connection c, Target target) throws SQLException {
        try {
            target.dialect().afterLogin(c, target.driverProperties());
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return c;
    }
}
