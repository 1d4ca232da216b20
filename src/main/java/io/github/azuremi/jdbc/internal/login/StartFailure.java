package io.github.azuremi.jdbc.internal.login;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pool that cannot start: logged at error and thrown, as HikariCP reports its own configuration errors. */
public final class StartFailure {

    /** The data source's logger, so that a level set for the data source covers its start-up errors too. */
    private static final Logger LOG = LoggerFactory.getLogger("io.github.azuremi.jdbc.ManagedIdentityDataSource");

    private StartFailure() {}

    /** The exception to throw; {@code message} names the setting and the fix. */
    public static IllegalArgumentException fatal(String pool, String message) {
        LOG.error("{} - {}", pool, message);
        return new IllegalArgumentException(pool + " - " + message);
    }
}
