package io.github.azuremi.jdbc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.credential.AccessToken;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Protocol;
import io.github.azuremi.jdbc.testsupport.wire.RecordingDatabaseServer.Tls;
import java.net.InetAddress;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Issue 16, row 6: Connector/J's {@code enablePacketDebug=true} keeps hex dumps of the packets it sends, the
 * clear-text password reply (the token) included, and writes them into exception messages on some error paths. It
 * was not refused where {@code traceProtocol=true} was. The data source must refuse it before any connection (the
 * plugin path: {@code MysqlPluginTest#enablePacketDebugIsRefused_itsDumpsHoldTheLoginPacket}).
 */
class EnablePacketDebugIsRefusedTest {

    @Test
    void theDataSourceRefusesEnablePacketDebug_beforeAnyConnection() throws Exception {
        String token = "packet-debug-" + UUID.randomUUID();
        try (RecordingDatabaseServer server =
                        new RecordingDatabaseServer(Protocol.MYSQL, Tls.SELF_SIGNED, InetAddress.getLoopbackAddress());
                ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setPoolName("packet-debug");
            // loopback over TLS: everything else about this URL is allowed
            ds.setJdbcUrl("jdbc:mysql://" + server.host() + ":" + server.port()
                    + "/app?sslMode=REQUIRED&enablePacketDebug=true");
            ds.setUsername("app");
            ds.setTokenCredential(request ->
                    Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1))));
            ds.setConnectionTimeout(5_000);
            Throwable failure = catchThrowable(() -> {
                try (Connection c = ds.getConnection()) {
                    // the recording server never lets a login through
                }
            });
            Throwable cause =
                    failure != null && failure.getClass().getSimpleName().equals("PoolInitializationException")
                            ? failure.getCause()
                            : failure;
            assertThat(cause)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "enablePacketDebug=true makes Connector/J keep hex dumps of the packets it sends")
                    .hasMessageContaining("Remove enablePacketDebug (from jdbcUrl or dataSourceProperties)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token));
            assertThat(server.received(token)).as("the token arrived").isFalse();
            assertThat(server.connections()).as("refused before any connection").isZero();
        }
    }
}
