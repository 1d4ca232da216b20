package io.github.azuremi.jdbc.internal.compat;

import com.zaxxer.hikari.HikariConfig;
import java.lang.reflect.Method;

/**
 * What differs between the HikariCP lines this library runs on: 6.3 (pinned by Spring Boot 3.5) and 7.x
 * (Spring Boot 4). Settings that exist only in 7 are read reflectively, so the library links against
 * either; on 6.3 they simply cannot be set.
 */
public final class HikariCompat {

    private static final Method GET_CREDENTIALS_PROVIDER = method("getCredentialsProvider");
    private static final Method GET_CREDENTIALS_PROVIDER_CLASS_NAME = method("getCredentialsProviderClassName");

    private HikariCompat() {}

    /** Whether a HikariCP 7 {@code credentialsProvider} (or its class name) is set; always false on 6.x. */
    public static boolean credentialsProviderSet(HikariConfig config) {
        return invoke(GET_CREDENTIALS_PROVIDER, config) != null
                || invoke(GET_CREDENTIALS_PROVIDER_CLASS_NAME, config) != null;
    }

    /** The HikariCP version on the classpath (from its jar's manifest), or "unknown". */
    public static String hikariVersion() {
        String v = HikariConfig.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    private static Method method(String name) {
        try {
            return HikariConfig.class.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null; // HikariCP 6.x
        }
    }

    private static Object invoke(Method m, HikariConfig config) {
        if (m == null) {
            return null;
        }
        try {
            return m.invoke(config);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
