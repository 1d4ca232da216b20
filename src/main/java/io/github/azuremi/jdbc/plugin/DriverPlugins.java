package io.github.azuremi.jdbc.plugin;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;

/**
 * Stops what the driver plugins keep running for an application: their tokens, the refreshes, the library's threads
 * and azure-identity's HTTP client. A driver never tells its plugin that a pool closed, so the plugins otherwise keep
 * a token for an hour after its last login. A servlet container that runs the library's
 * {@code ServletContainerInitializer} (Tomcat 10.1 and 11, with the jar in the application or in the container's
 * {@code lib}) calls {@link #release(ClassLoader)} when the application stops; another container or framework calls
 * it from its own shutdown hook, after closing the pools. A login after the call registers again. Thread-safe.
 */
public final class DriverPlugins {

    private DriverPlugins() {}

    /**
     * Releases the tokens that threads with {@code applicationClassLoader} as their context class loader logged in
     * with, unless another application uses them too; every token of the plugins when this copy of the library was
     * loaded by {@code applicationClassLoader} (its jar is in the application).
     *
     * <p>Null (what {@code Thread.currentThread().getContextClassLoader()} returns on a thread without one) names no
     * application, and neither do the library's own loader's parents: logins on such threads (the container's) are
     * nobody's, so nothing is released for them; their tokens go an hour after their last login, or with
     * {@link #releaseAll()}.
     */
    public static void release(ClassLoader applicationClassLoader) {
        PluginTokens.shared().release(applicationClassLoader);
    }

    /** Releases every token the plugins hold in this copy of the library, whoever logged in with it. */
    public static void releaseAll() {
        PluginTokens.shared().releaseAll();
    }
}
