package consumer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What one path (tool x database) proved: each physical connection it checked, who the server says logged in, and
 * whether the connections of the second phase are new ones, opened after the token rotation.
 */
final class Tally {

  final String path;
  final Db db;
  final Set<Long> beforeRotation = new LinkedHashSet<>();
  final Set<Long> afterRotation = new LinkedHashSet<>();
  long issuedAtFirstLogin = -1;
  long issuedAtLastLogin = -1;
  long millis;
  String failure;
  String note = "";

  Tally(String tool, Db db) {
    this.path = tool + "/" + db.name();
    this.db = db;
  }

  /**
   * Checks one physical connection: the server's current user is the expected role and, after the rotation, the
   * connection is one the first phase never saw, started after {@code rotated} (the moment the rotation was seen).
   */
  void check(Connection connection, boolean rotated, Instant phase2Start) throws SQLException {
    String sql = db.postgres()
        ? "SELECT current_user, pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
        : "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1), CONNECTION_ID(), NULL";
    String user;
    long id;
    Timestamp started;
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      user = rs.getString(1);
      id = rs.getLong(2);
      started = rs.getTimestamp(3);
    }
    if (!db.user().equals(user)) {
      throw new IllegalStateException("the server says " + user + " logged in, not " + db.user());
    }
    long issued = Main.tokensMinted();
    if (issuedAtFirstLogin < 0) {
      issuedAtFirstLogin = issued;
    }
    issuedAtLastLogin = issued;
    if (!rotated) {
      beforeRotation.add(id);
      return;
    }
    if (beforeRotation.contains(id)) {
      throw new IllegalStateException("after the rotation the connection (id " + id + ") is one opened before it: no new login");
    }
    if (started != null && started.toInstant().isBefore(phase2Start)) {
      throw new IllegalStateException("after the rotation the connection (pid " + id + ") started at " + started.toInstant()
          + ", before the rotation was seen (" + phase2Start + ")");
    }
    afterRotation.add(id);
  }

  int logins() {
    return beforeRotation.size() + afterRotation.size();
  }
}
