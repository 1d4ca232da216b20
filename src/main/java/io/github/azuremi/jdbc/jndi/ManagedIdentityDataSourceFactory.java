package io.github.azuremi.jdbc.jndi;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.ManagedIdentityProperties;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Properties;
import java.util.Set;
import javax.naming.Context;
import javax.naming.Name;
import javax.naming.NamingException;
import javax.naming.RefAddr;
import javax.naming.Reference;
import javax.naming.spi.ObjectFactory;

/**
 * A JNDI {@link ObjectFactory} that builds a {@link ManagedIdentityDataSource} from a container's resource
 * definition, like HikariCP's {@code HikariJNDIFactory}. For Tomcat's {@code context.xml}:
 *
 * <pre>{@code
 * <Resource name="jdbc/app" auth="Container" type="javax.sql.DataSource" closeMethod="close"
 *           factory="io.github.azuremi.jdbc.jndi.ManagedIdentityDataSourceFactory"
 *           jdbcUrl="jdbc:postgresql://myserver.postgres.database.azure.com:5432/app"
 *           username="my-app" managedIdentityClientId="<client id>" maximumPoolSize="10"/>
 * }</pre>
 *
 * <p>Every attribute is a key of {@link ManagedIdentityDataSource#ManagedIdentityDataSource(java.util.Properties)}:
 * HikariCP's settings, {@code dataSource.*} driver properties and this library's settings. The attributes
 * that configure the container rather than the pool ({@link #CONTAINER_ATTRIBUTES}) are left out. Unlike
 * Hikari's factory, which skips attributes it does not know, an unknown attribute is an error that names it:
 * a misspelt setting would otherwise be silently ignored.
 *
 * <p>The pool starts on the first {@code getConnection()}, as any Hikari pool, but its first token is fetched from
 * the moment the resource is created ({@link ManagedIdentityDataSource#prefetchToken()}); set {@code closeMethod="close"}
 * so that Tomcat closes it (and stops its token refreshes) when the application stops.
 */
public class ManagedIdentityDataSourceFactory implements ObjectFactory {

    /**
     * Attributes of Tomcat's {@code <Resource>} (and of JNDI references in general) that are meant for the
     * container: they never reach the data source.
     */
    public static final Set<String> CONTAINER_ATTRIBUTES = Set.of(
            "name",
            "auth",
            "type",
            "factory",
            "singleton",
            "closeMethod",
            "description",
            "scope",
            "lookupName",
            "mappedName");

    /** The reference types this factory answers; others get null, as the ObjectFactory contract asks. */
    private static final Set<String> TYPES = Set.of(
            "javax.sql.DataSource", ManagedIdentityDataSource.class.getName(), "com.zaxxer.hikari.HikariDataSource");

    @Override
    public Object getObjectInstance(Object obj, Name name, Context nameCtx, Hashtable<?, ?> environment)
            throws NamingException {
        if (!(obj instanceof Reference reference) || !TYPES.contains(reference.getClassName())) {
            return null;
        }
        Properties properties = new Properties();
        Enumeration<RefAddr> addresses = reference.getAll();
        while (addresses.hasMoreElements()) {
            RefAddr address = addresses.nextElement();
            Object content = address.getContent();
            if (!CONTAINER_ATTRIBUTES.contains(address.getType()) && content != null) {
                properties.setProperty(address.getType(), content.toString());
            }
        }
        ManagedIdentityDataSource dataSource;
        try {
            dataSource = new ManagedIdentityDataSource(properties);
        } catch (RuntimeException e) {
            // Hikari's message names the attribute ("Property maxPoolSize does not exist on target class ...");
            // the container shows only the NamingException, so say where it came from.
            NamingException failure = new NamingException("Cannot create the data source of JNDI resource "
                    + (name == null ? "" : "\"" + name + "\" ") + "with "
                    + getClass().getSimpleName() + ": " + e.getMessage()
                    + ". Attributes are HikariCP settings, dataSource.<driver property> and this library's settings ("
                    + String.join(", ", new java.util.TreeSet<>(ManagedIdentityProperties.ALL))
                    + "), spelt as their setters");
            failure.setRootCause(e);
            throw failure;
        }
        dataSource.prefetchToken(); // the first token is on its way while the application starts
        return dataSource;
    }
}
