package consumer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The URL-only paths. Each is given nothing but the JDBC URL (which names the token plugin) and the user name: no
 * password, no ManagedIdentityDataSource. {@link #before} runs before the token rotation, {@link #after} after it
 * and must log in again (a new physical connection).
 */
abstract class Tools {

  static final List<String> ALL = List.of("driver-manager", "flyway", "liquibase", "tomcat-jdbc", "dbcp2");

  final Db db;
  final Tally tally;

  Tools(Db db, Tally tally) {
    this.db = db;
    this.tally = tally;
  }

  static Tools create(String tool, Db db, Tally tally) {
    return switch (tool) {
      case "driver-manager" -> new Plain(db, tally);
      case "flyway" -> new FlywayPath(db, tally);
      case "liquibase" -> new LiquibasePath(db, tally);
      case "tomcat-jdbc" -> new TomcatPool(db, tally);
      case "dbcp2" -> new Dbcp2Pool(db, tally);
      default -> throw new IllegalArgumentException("no tool " + tool + "; known: " + ALL);
    };
  }

  abstract void before() throws Exception;

  abstract void after(Instant phase2Start) throws Exception;

  void close() {}

  static String single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row from " + sql);
      }
      return rs.getString(1);
    }
  }

  /** DriverManager.getConnection(url) with user= in the URL; without the plugin the same URL must be refused. */
  static final class Plain extends Tools {
    Plain(Db db, Tally tally) {
      super(db, tally);
    }

    @Override
    void before() throws Exception {
      try (Connection c = DriverManager.getConnection(db.urlWithUser(db.urlWithoutPlugin()))) {
        throw new IllegalStateException("the server let " + db.user() + " in without the plugin (and no password): it does not check");
      } catch (SQLException expected) {
        tally.note = " refused-without-plugin=" + (expected.getSQLState() == null ? "?" : expected.getSQLState());
      }
      try (Connection c = DriverManager.getConnection(db.urlWithUser(db.url()))) {
        tally.check(c, false, null);
      }
    }

    @Override
    void after(Instant phase2Start) throws Exception {
      try (Connection c = DriverManager.getConnection(db.urlWithUser(db.url()))) {
        tally.check(c, true, phase2Start);
      }
    }
  }

  /** Flyway.configure().dataSource(url, user, null): migrate before the rotation; validate, info and migrate after. */
  static final class FlywayPath extends Tools {
    private Flyway flyway;

    FlywayPath(Db db, Tally tally) {
      super(db, tally);
    }

    @Override
    void before() throws Exception {
      flyway = Flyway.configure().dataSource(db.url(), db.user(), null).locations("classpath:db/migration").load();
      MigrateResult result = flyway.migrate();
      if (result.migrationsExecuted != 1) {
        throw new IllegalStateException("migrate ran " + result.migrationsExecuted + " migrations, not 1 (schema not fresh?)");
      }
      verify(false, null);
    }

    @Override
    void after(Instant phase2Start) throws Exception {
      flyway.validate();
      int applied = flyway.info().applied().length;
      MigrateResult again = flyway.migrate();
      if (applied != 1 || again.migrationsExecuted != 0) {
        throw new IllegalStateException("after the rotation: applied=" + applied + ", second migrate ran " + again.migrationsExecuted);
      }
      verify(true, phase2Start);
      tally.note = " migrations-applied=" + applied;
    }

    /** Through Flyway's own DataSource (built from the URL): the role, and that Flyway recorded it as the installer. */
    private void verify(boolean rotated, Instant phase2Start) throws Exception {
      DataSource ds = flyway.getConfiguration().getDataSource();
      try (Connection c = ds.getConnection()) {
        tally.check(c, rotated, phase2Start);
        String installedBy = single(c, "SELECT installed_by FROM flyway_schema_history WHERE version = '1'");
        if (!db.user().equals(installedBy)) {
          throw new IllegalStateException("flyway_schema_history says " + installedBy + " installed V1");
        }
        single(c, "SELECT note FROM flyway_demo WHERE id = 1");
      }
    }
  }

  /** DatabaseFactory.openDatabase(url, user, null, ...) and the update command, before and again after the rotation. */
  static final class LiquibasePath extends Tools {
    LiquibasePath(Db db, Tally tally) {
      super(db, tally);
    }

    @Override
    void before() throws Exception {
      update(false, null);
    }

    @Override
    void after(Instant phase2Start) throws Exception {
      update(true, phase2Start);
    }

    private void update(boolean rotated, Instant phase2Start) throws Exception {
      ClassLoaderResourceAccessor resources = new ClassLoaderResourceAccessor(getClass().getClassLoader());
      Scope.child(Scope.Attr.resourceAccessor.name(), resources, () -> {
        Database database = DatabaseFactory.getInstance().openDatabase(db.url(), db.user(), null, null, resources);
        try {
          new CommandScope(UpdateCommandStep.COMMAND_NAME)
              .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
              .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "liquibase/changelog.xml")
              .execute();
          Connection c = ((JdbcConnection) database.getConnection()).getUnderlyingConnection();
          tally.check(c, rotated, phase2Start);
          // Liquibase names its table in upper case on MySQL/MariaDB (case-sensitive there), in lower case on PostgreSQL
          String ran = single(c, "SELECT COUNT(*) FROM " + (db.postgres() ? "databasechangelog" : "DATABASECHANGELOG"));
          String rows = single(c, "SELECT COUNT(*) FROM liquibase_demo");
          if (!"1".equals(ran) || !"1".equals(rows)) {
            throw new IllegalStateException("databasechangelog has " + ran + " rows, liquibase_demo " + rows + " (expected 1 and 1)");
          }
          tally.note = " changesets=" + ran;
        } finally {
          database.close();
        }
      });
    }
  }

  /** A pool of two: borrows both (two physical logins) before the rotation, and both again after it. */
  abstract static class PoolPath extends Tools {
    PoolPath(Db db, Tally tally) {
      super(db, tally);
    }

    abstract DataSource pool();

    @Override
    void before() throws Exception {
      borrowTwo(false, null);
    }

    @Override
    void after(Instant phase2Start) throws Exception {
      borrowTwo(true, phase2Start);
    }

    private void borrowTwo(boolean rotated, Instant phase2Start) throws Exception {
      List<Connection> held = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Connection c = pool().getConnection();
          held.add(c);
          tally.check(c, rotated, phase2Start);
        }
      } finally {
        for (Connection c : held) {
          c.close();
        }
      }
    }
  }

  /** Tomcat's JDBC pool with url + username only, and maxAge so connections older than 3 s are replaced. */
  static final class TomcatPool extends PoolPath {
    private final org.apache.tomcat.jdbc.pool.DataSource pool;

    TomcatPool(Db db, Tally tally) {
      super(db, tally);
      PoolProperties p = new PoolProperties();
      p.setUrl(db.url());
      p.setUsername(db.user());
      p.setMaxActive(2);
      p.setMaxIdle(2);
      p.setMinIdle(0);
      p.setInitialSize(0);
      p.setMaxAge(3_000);
      pool = new org.apache.tomcat.jdbc.pool.DataSource(p);
    }

    @Override
    DataSource pool() {
      return pool;
    }

    @Override
    void close() {
      pool.close();
    }
  }

  /** Commons DBCP2's BasicDataSource with url + username only, and a 3 s connection lifetime. */
  static final class Dbcp2Pool extends PoolPath {
    private final BasicDataSource pool = new BasicDataSource();

    Dbcp2Pool(Db db, Tally tally) {
      super(db, tally);
      pool.setUrl(db.url());
      pool.setUsername(db.user());
      pool.setMaxTotal(2);
      pool.setMaxIdle(2);
      pool.setMinIdle(0);
      pool.setInitialSize(0);
      pool.setMaxConn(Duration.ofSeconds(3));
    }

    @Override
    DataSource pool() {
      return pool;
    }

    @Override
    void close() {
      try {
        pool.close();
      } catch (SQLException e) {
        System.out.println("closing the DBCP2 pool: " + e);
      }
    }
  }
}
