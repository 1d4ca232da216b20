package io.github.azuremi.jdbc.internal.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The applications that log in with one of the plugins' leases, each known by the context class loader of the
 * thread that logs in (a web application's request threads carry its loader). When an application stops, its
 * loader is removed; a lease that no application uses any more is released (issue 16, row 3).
 *
 * <p>Threads of the container are no application and are not recorded: those without a context class loader, and
 * those whose loader is the library's own or one of its parents. A pool's maintenance thread is one: commons-pool2's
 * evictor (Tomcat's DBCP refilling minIdle) runs with Tomcat's common loader, the library's when its jar is in the
 * container's {@code lib}; recorded, that loader would never stop, and no application's stop would release the lease
 * again. A lease only such threads log in with is still released by the idle sweep, and by the release of the
 * library's own loader (everything goes then).
 *
 * <p>Thread-safe. {@link #add} is on every login's path: one volatile read when the same application logs in again.
 */
final class PluginLeaseUsers {

    /** The user of threads without a context class loader (ConcurrentHashMap holds no null). */
    private static final Object NO_LOADER = new Object();
    /** The library's class loader and its parents, nearest first: the container's, never an application's alone. */
    private static final ClassLoader[] CONTAINER = selfAndParents(PluginLeaseUsers.class.getClassLoader());

    private final Set<Object> users = ConcurrentHashMap.newKeySet();
    /** The last user added; a cache of the set's membership, never the only record of it. */
    private volatile Object last;

    /** The application of the calling thread. */
    static Object current() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader == null ? NO_LOADER : loader;
    }

    /** Whether {@code loader} loaded {@code libraryClass}: this copy of the library is that application's own. */
    static boolean owns(ClassLoader loader, Class<?> libraryClass) {
        return loader != null && libraryClass.getClassLoader() == loader;
    }

    void add(Object user) {
        if (last != user && !isContainer(user)) {
            users.add(user);
            last = user;
        }
    }

    /**
     * {@code loader} stops using the lease; true if it used it and no other application does. Null is the loader of
     * threads without one (a shutdown hook's {@code getContextClassLoader()}): no application, so nothing changes.
     */
    boolean stopUsing(ClassLoader loader) {
        Object user = loader == null ? NO_LOADER : loader; // ConcurrentHashMap's remove(null) throws
        boolean used = users.remove(user);
        if (last == user) {
            last = null;
        }
        return used && users.isEmpty();
    }

    private static boolean isContainer(Object user) {
        if (user == NO_LOADER) {
            return true;
        }
        for (ClassLoader c : CONTAINER) {
            if (c == user) {
                return true;
            }
        }
        return false;
    }

    private static ClassLoader[] selfAndParents(ClassLoader loader) {
        List<ClassLoader> chain = new ArrayList<>();
        for (ClassLoader c = loader; c != null; c = c.getParent()) {
            chain.add(c);
        }
        return chain.toArray(ClassLoader[]::new);
    }
}
