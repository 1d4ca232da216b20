package io.github.azuremi.jdbc.bench.support;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * A JDBC driver for two host names that do not exist, used through {@code driverClassName} (HikariCP's
 * DriverDataSource picks the driver by class name; ManagedIdentityDataSource only takes jdbc:postgresql:,
 * jdbc:mysql: and jdbc:sqlserver: URLs, so the URLs look like PostgreSQL ones):
 * <ul>
 *   <li>{@value #STUB_URL}: no network at all; the connection is a proxy whose {@code isValid} is true.</li>
 *   <li>{@value #POSTGRES_URL}: checks the password, then opens a real connection to the local PostgreSQL
 *   as a role with a static password ({@link #usePostgres}).</li>
 * </ul>
 * With {@link Acceptance#CURRENT_TOKENS} it refuses (SQLState 28P01, as PostgreSQL does) any password that
 * is not an unexpired token of the local endpoint: the check Azure's servers make, where every valid token
 * of the identity is accepted until it expires. (A local PostgreSQL holds one password per role, so it
 * cannot accept an old and a new token at once; this driver can.)
 *
 * <p>Registered with {@link java.sql.DriverManager} (so that HikariCP finds it by class name without a
 * warning); it answers only its two URLs, which no other code uses.
 */
public final class BenchDriver implements Driver {

  public static final String STUB_URL = "jdbc:postgresql://stub.bench.invalid:5432/bench";
  public static final String POSTGRES_URL = "jdbc:postgresql://pg.bench.invalid:5432/bench";

  /** Which passwords the driver accepts. */
  public enum Acceptance { ANY, CURRENT_TOKENS }

  private static volatile Acceptance acceptance = Acceptance.ANY;
  private static volatile Target postgres;
  private static final LongAdder CONNECTS = new LongAdder();
  private static final LongAdder REFUSALS = new LongAdder();

  private record Target(Driver driver, String url, String user, String password) {}

  static {
    try {
      java.sql.DriverManager.registerDriver(new BenchDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Loads (and so registers) the driver. */
  public static String className() {
    return BenchDriver.class.getName();
  }

  public static void accept(Acceptance mode) {
    acceptance = mode;
  }

  /** Where {@value #POSTGRES_URL} really goes, and as whom. */
  public static void usePostgres(String jdbcUrl, String user, String password) {
    try {
      postgres = new Target(new org.postgresql.Driver(), jdbcUrl, user, password);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot load the PostgreSQL driver", e);
    }
  }

  public static long connects() {
    return CONNECTS.sum();
  }

  public static long refusals() {
    return REFUSALS.sum();
  }

  public static void resetCounters() {
    CONNECTS.reset();
    REFUSALS.reset();
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null;
    }
    String password = info == null ? null : info.getProperty("password");
    if (acceptance == Acceptance.CURRENT_TOKENS && !Endpoints.isCurrentToken(password)) {
      REFUSALS.increment();
      throw new SQLInvalidAuthorizationSpecException("FATAL: password authentication failed for user \""
          + (info == null ? null : info.getProperty("user")) + "\" (not a current token of the local endpoint)", "28P01");
    }
    CONNECTS.increment();
    if (url.startsWith(STUB_URL)) {
      return stubConnection();
    }
    Target target = postgres;
    if (target == null) {
      throw new SQLException("BenchDriver.usePostgres was not called", "08001");
    }
    Properties props = new Properties();
    props.setProperty("user", target.user());
    props.setProperty("password", target.password());
    return target.driver().connect(target.url(), props);
  }

  @Override
  public boolean acceptsURL(String url) {
    return url != null && (url.startsWith(STUB_URL) || url.startsWith(POSTGRES_URL));
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[0];
  }

  @Override
  public int getMajorVersion() {
    return 1;
  }

  @Override
  public int getMinorVersion() {
    return 0;
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  /** A connection that does nothing: valid, auto-commit, read-committed, until closed. */
  static Connection stubConnection() {
    return (Connection) Proxy.newProxyInstance(BenchDriver.class.getClassLoader(), new Class<?>[] {Connection.class},
        new StubConnection());
  }

  private static final class StubConnection implements InvocationHandler {
    private volatile boolean closed;

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws SQLException {
      switch (method.getName()) {
        case "close":
          closed = true;
          return null;
        case "isClosed":
          return closed;
        case "isValid":
          return !closed;
        case "getAutoCommit":
          return true;
        case "isReadOnly":
          return false;
        case "getTransactionIsolation":
          return Connection.TRANSACTION_READ_COMMITTED;
        case "getHoldability":
          return java.sql.ResultSet.HOLD_CURSORS_OVER_COMMIT;
        case "isWrapperFor":
          return false;
        case "unwrap":
          throw new SQLException("not a wrapper");
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        case "toString":
          return "StubConnection@" + Integer.toHexString(System.identityHashCode(proxy));
        default:
          break;
      }
      Class<?> type = method.getReturnType();
      if (type == boolean.class) {
        return false;
      }
      if (type == int.class) {
        return 0;
      }
      if (type == long.class) {
        return 0L;
      }
      return null;
    }
  }
}
