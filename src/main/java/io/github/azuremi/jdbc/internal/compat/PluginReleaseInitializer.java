package io.github.azuremi.jdbc.internal.compat;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.Set;

/**
 * Releases the driver plugins' tokens of a web application when it stops (issue 16, row 3). A pool made from a URL
 * (a Tomcat {@code context.xml} resource with DBCP or tomcat-jdbc and the plugin in the URL) never tells the plugin
 * that it closed, so without this the lease, its refresh timer and azure-identity's HTTP client (whose JDK selector
 * thread carries the application's class loader) outlive every undeploy.
 *
 * <p>Found by the container through {@code META-INF/services/jakarta.servlet.ServletContainerInitializer}, whether
 * the library's jar is in the application ({@code WEB-INF/lib}) or shared ({@code $CATALINA_BASE/lib}): then it runs
 * once per application. Only a servlet container loads this class; no other class of the library refers to it, so
 * the servlet API is needed only where a container provides it.
 */
public final class PluginReleaseInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        ClassLoader application = context.getClassLoader();
        context.addListener(new ServletContextListener() {
            @Override
            public void contextDestroyed(ServletContextEvent event) {
                // nothing of the plugins is touched at start: an application that never uses them loads nothing of them
                PluginTokens.shared().release(application);
            }
        });
    }
}
