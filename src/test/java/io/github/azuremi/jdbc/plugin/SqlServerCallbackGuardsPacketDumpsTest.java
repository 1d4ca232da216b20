package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mssql-jdbc sends the token right after its callback returns, and at FINEST its packet loggers would hex-dump it:
 * on the thread the callback ran on, those dumps are dropped (for the driver's own reconnects too).
 */
class SqlServerCallbackGuardsPacketDumpsTest {

    private static final String PACKET_LOGGER = "com.microsoft.sqlserver.jdbc.internals.TDS.DATA";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();

    @BeforeEach
    void identity() {
        endpoint.reset();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", UUID.randomUUID().toString());
    }

    @AfterEach
    void clear() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        endpoint.reset();
    }

    /** Whether a packet dump logged on a new thread, after {@code before} ran there, would be logged. */
    private static boolean dumpLoggedAfter(Runnable before) {
        return CompletableFuture.supplyAsync(() -> {
                    before.run();
                    Filter filter = Logger.getLogger(PACKET_LOGGER).getFilter();
                    LogRecord dump = new LogRecord(Level.FINEST, "packet dump");
                    return filter == null || filter.isLoggable(dump);
                })
                .join();
    }

    @Test
    void afterHandingOutATokenTheCallbacksThreadLogsNoPacketDumps() {
        assertThat(dumpLoggedAfter(() -> new SqlServerAccessTokenCallback(true)
                        .getAccessToken("https://database.windows.net/", "https://sts.example")))
                .isFalse();
        assertThat(dumpLoggedAfter(() -> {}))
                .as("a thread that asked for no token")
                .isTrue();
    }
}
