package io.github.azuremi.jdbc.lifecycle;

import java.io.File;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Loads the library and its dependencies in a class loader of their own, as a servlet container loads a
 * web application, runs {@link LeakScenario} in it with that loader as the thread's context class loader,
 * "undeploys" (drops every reference; the scenario deregistered its JDBC driver as Tomcat would), then reports whether the loader was collected and which threads are left.
 *
 * <p>The scenario is {@link LeakScenario}, or the class that the environment variable {@code LEAK_SCENARIO} names
 * ({@link PluginLeakScenario}). Arguments: those of the scenario (LeakScenario: jdbcUrl, role, token, expiresAt). Prints {@code CURRENT_USER=}, {@code COLLECTED=true|false},
 * {@code THREADS=} (the names of all live threads) and exits 0.
 */
public final class ClassLoaderLeakMain {

    public static void main(String[] args) throws Exception {
        WeakReference<ClassLoader> loader = runInOwnLoader(args);
        boolean collected = false;
        for (int i = 0; i < 100 && !collected; i++) {
            System.gc();
            Thread.sleep(100);
            collected = loader.get() == null;
        }
        System.out.println("COLLECTED=" + collected);
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                names.add(t.getName());
            }
        }
        Collections.sort(names);
        System.out.println("THREADS=" + String.join("|", names));
    }

    private static WeakReference<ClassLoader> runInOwnLoader(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        URLClassLoader webapp =
                new URLClassLoader("webapp", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(webapp); // as the container does for a request of the application
        try {
            @SuppressWarnings("unchecked")
            Function<String[], String> scenario = (Function<String[], String>)
                    webapp.loadClass(System.getenv().getOrDefault("LEAK_SCENARIO", LeakScenario.class.getName()))
                            .getConstructor()
                            .newInstance();
            System.out.println("CURRENT_USER=" + scenario.apply(args));
        } finally {
            thread.setContextClassLoader(before);
        }
        webapp.close();
        return new WeakReference<>(webapp);
    }
}
