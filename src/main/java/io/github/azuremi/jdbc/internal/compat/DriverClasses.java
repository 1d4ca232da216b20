package io.github.azuremi.jdbc.internal.compat;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The JDBC driver of a URL when {@code DriverManager} cannot see it. DriverManager finds drivers through
 * the service loader once, with the class loader of whoever touched it first: in a servlet container that
 * is the container, so a driver in a web application's {@code WEB-INF/lib} is never registered. Loading
 * the driver's class (which registers it) with the thread's context class loader (the web application's)
 * or this library's own loader fixes that without any setting.
 */
public final class DriverClasses {

    private static final Map<String, List<String>> KNOWN = Map.of(
            "jdbc:postgresql:", List.of("org.postgresql.Driver"),
            "jdbc:mysql:", List.of("com.mysql.cj.jdbc.Driver", "org.mariadb.jdbc.Driver"),
            "jdbc:sqlserver:", List.of("com.microsoft.sqlserver.jdbc.SQLServerDriver"));

    /** Drivers registered by {@link #resolve} (DriverManager did not see them), deregistered by {@link #deregisterLoaded}. */
    private static final java.util.Set<Class<?>> LOADED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private DriverClasses() {}

    /**
     * Deregisters the drivers this class registered (only those DriverManager could not find by itself, as in
     * a web application), so that a stopping web application leaves none in DriverManager. Called when the
     * last pool closes.
     */
    static void deregisterLoaded() {
        for (java.util.Enumeration<java.sql.Driver> e = DriverManager.getDrivers(); e.hasMoreElements(); ) {
            java.sql.Driver driver = e.nextElement();
            if (LOADED.contains(driver.getClass())) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException | SecurityException ignored) {
                    // left to the container
                }
            }
        }
        LOADED.clear();
    }

    /**
     * The driver class to hand to HikariCP: {@code configured} if set; null if DriverManager already finds a
     * driver for the URL (HikariCP's usual path); otherwise the known driver class of the URL's prefix that
     * one of the two loaders can load (now registered), or null if none can.
     */
    public static String resolve(String jdbcUrl, String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (jdbcUrl == null) {
            return null;
        }
        try {
            DriverManager.getDriver(jdbcUrl);
            return null;
        } catch (SQLException notRegistered) {
            // fall through: try the known class of the prefix
        }
        for (Map.Entry<String, List<String>> e : KNOWN.entrySet()) {
            if (jdbcUrl.regionMatches(true, 0, e.getKey(), 0, e.getKey().length())) {
                for (String className : e.getValue()) {
                    if (load(className, Thread.currentThread().getContextClassLoader())
                            || load(className, DriverClasses.class.getClassLoader())) {
                        return className;
                    }
                }
            }
        }
        return null;
    }

    private static boolean load(String className, ClassLoader loader) {
        if (loader == null) {
            return false;
        }
        try {
            LOADED.add(
                    Class.forName(className, true, loader)); // its static initializer registers it with DriverManager
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
