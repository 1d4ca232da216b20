package io.github.azuremi.jdbc.internal.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Run by {@link WithoutMicrometerTest} in a JVM whose classpath has no Micrometer: uses the library the way
 * an application without metrics does and reports what it logged at WARN or above. Exit 0 only if the
 * login worked, Micrometer really was absent and nothing was logged at WARN.
 */
public final class WithoutMicrometerMain {

    private WithoutMicrometerMain() {}

    public static void main(String[] args) throws Exception {
        String jdbcUrl = args[0];
        String role = args[1];
        String clientId = args[2];

        List<String> warnings = new CopyOnWriteArrayList<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                    warnings.add(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage());
                }
            }
        };
        capture.setContext(root.getLoggerContext());
        capture.start();
        root.addAppender(capture);
        LoggerFactory.getLogger("capture-self-check").warn("self check");
        if (warnings.size() != 1) {
            System.out.println("CAPTURE_BROKEN");
            System.exit(5);
        }
        warnings.clear();

        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("MICROMETER_PRESENT");
            System.exit(3);
        } catch (ClassNotFoundException expected) {
            System.out.println("MICROMETER_ABSENT");
        }

        Properties p = new Properties();
        p.setProperty("jdbcUrl", jdbcUrl);
        p.setProperty("username", role);
        p.setProperty("credential", "managed-identity");
        p.setProperty("managedIdentityClientId", clientId);
        p.setProperty("poolName", "without-micrometer");
        p.setProperty("maximumPoolSize", "2");
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource(p)) {
            ds.setMeterRegistry(null); // allowed, and a no-op, without Micrometer
            try {
                ds.setMeterRegistry(new Object());
                System.out.println("SET_METER_REGISTRY_ACCEPTED_AN_OBJECT");
            } catch (IllegalArgumentException expected) {
                System.out.println("SET_METER_REGISTRY_REFUSED: " + expected.getMessage());
            }
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                System.out.println("CURRENT_USER=" + rs.getString(1));
            }
        }
        System.out.println("WARNINGS=" + warnings.size());
        warnings.forEach(w -> System.out.println("  " + w));
        System.exit(warnings.isEmpty() ? 0 : 4);
    }
}
