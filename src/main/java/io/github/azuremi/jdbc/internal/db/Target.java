package io.github.azuremi.jdbc.internal.db;

import java.util.List;
import java.util.Properties;

/**
 * Where a pool's logins go, as the driver reads its URL and properties, and over what.
 *
 * @param dialect          the database
 * @param hosts            every host the driver may connect to (in its order); the first selects the cloud
 * @param driverProperties the properties to hand the driver: the user's plus this library's defaults
 * @param loopbackOnly     every host is localhost, 127.0.0.0/8 or ::1 (and no socket factory reroutes them)
 * @param transport        what protects the token on the way, in words (for the start-up log line)
 */
public record Target(
        Dialect dialect, List<String> hosts, Properties driverProperties, boolean loopbackOnly, String transport) {

    public String firstHost() {
        return hosts.isEmpty() ? "" : hosts.get(0);
    }

    @Override
    public String toString() {
        return dialect.displayName() + " at " + String.join(",", hosts) + " (" + transport + ")";
    }
}
