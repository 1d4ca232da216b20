package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.ServerSocket;
import java.net.Socket;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 16 row 2: SqlServerTokenDriver opens its connection through SQLServerDataSource with the user's
 * settings only. The data source's SQL Server login adds socketTimeout during the login because mssql-jdbc's
 * loginTimeout does not bound the reads of PRELOGIN (SqlServerDialect.withLoginTimeout): a server (or a half-open
 * load balancer) that accepts the TCP connection and says nothing holds the login, and the pool thread, for ever.
 */
class SqlServerTokenDriverSilentServerTest {

    @Test
    void aServerThatAcceptsAndSaysNothingFailsTheLoginWithinItsLoginTimeout() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts, never answers PRELOGIN
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = SqlServerTokenDriver.URL_PREFIX + "//127.0.0.1:" + silent.getLocalPort()
                    + ";databaseName=app;loginTimeout=3";
            Throwable failure = assertTimeoutPreemptively(
                    Duration.ofSeconds(20),
                    () -> catchThrowable(() -> DriverManager.getConnection(url).close()));
            assertThat(failure).isNotNull();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
