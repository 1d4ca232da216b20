package io.github.azuremi.jdbc.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.zaxxer.hikari.HikariDataSource;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;

/**
 * A server that accepts TCP and then says nothing must not hold the pool: the login timeouts reach the driver, so
 * the first getConnection fails within connectionTimeout plus a small margin, for each driver. Plain HikariCP with
 * the same driver is measured next to it and printed ({@code [silent-server]} lines) for docs/operations.md (What happens when), not asserted.
 */
class SilentServerTimeoutTest {

    private static final long CONNECTION_TIMEOUT_MS = 2_000;
    /** HikariCP itself pauses 1 s after a failed first attempt (fail-fast) before it throws; plus slack. */
    private static final long MARGIN_MS = 2_000;

    private static final long PLAIN_HIKARI_CAP_MS = 10_000;
    private static ServerSocket silent;
    private static final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startSilentServer() throws IOException {
        silent = new ServerSocket();
        silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        Thread t = new Thread(
                () -> {
                    while (!silent.isClosed()) {
                        try {
                            held.add(silent.accept()); // accepted, never answered
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "silent-server");
        t.setDaemon(true);
        t.start();
        warmUp();
    }

    /** Class loading of the library, azure-core and each driver, once, against a closed port (fails at once). */
    private static void warmUp() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        for (String url : List.of(
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/app",
                "jdbc:mysql://127.0.0.1:" + closedPort + "/app",
                "jdbc:sqlserver://127.0.0.1:" + closedPort + ";trustServerCertificate=true")) {
            try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
                ds.setJdbcUrl(url);
                if (!url.startsWith("jdbc:sqlserver:")) {
                    ds.setUsername("app");
                }
                ds.setTokenCredential(r -> Mono.just(
                        new AccessToken("warm-up-token", OffsetDateTime.now().plusHours(1))));
                ds.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
                ds.getConnection().close();
            } catch (Exception expected) {
                // connection refused
            }
        }
    }

    @AfterAll
    static void stop() throws IOException {
        silent.close();
        for (Socket s : held) {
            s.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pgjdbc       | jdbc:postgresql://127.0.0.1:{port}/app",
                "Connector/J  | jdbc:mysql://127.0.0.1:{port}/app",
                "mssql-jdbc   | jdbc:sqlserver://127.0.0.1:{port};databaseName=app;trustServerCertificate=true",
            })
    void aSilentServerFailsTheFirstGetConnectionWithinConnectionTimeout(String driver, String urlTemplate)
            throws Exception {
        String url = urlTemplate.replace("{port}", Integer.toString(silent.getLocalPort()));

        long plain = timeToFailure(() -> {
            try (HikariDataSource ds = new HikariDataSource()) {
                ds.setJdbcUrl(url);
                ds.setUsername("app");
                ds.setPassword("not-a-token");
                ds.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
                ds.getConnection().close();
            }
        });
        long ours = timeToFailure(() -> {
            try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
                ds.setPoolName("silent-" + driver.replace('/', '-'));
                ds.setJdbcUrl(url);
                if (!url.startsWith("jdbc:sqlserver:")) {
                    ds.setUsername("app");
                }
                ds.setTokenCredential(r -> Mono.just(new AccessToken(
                        "silent-server-token", OffsetDateTime.now().plusHours(1))));
                ds.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
                ds.getConnection().close();
            }
        });
        System.out.printf(
                "[silent-server] %s connectionTimeout=%d ms: ManagedIdentityDataSource failed after %d ms, "
                        + "plain HikariCP %s%n",
                driver.trim(),
                CONNECTION_TIMEOUT_MS,
                ours,
                plain < 0 ? "still blocked after " + PLAIN_HIKARI_CAP_MS + " ms" : "failed after " + plain + " ms");

        assertThat(ours)
                .as("%s: ManagedIdentityDataSource against a silent server", driver)
                .isBetween(0L, CONNECTION_TIMEOUT_MS + MARGIN_MS);
    }

    /** Milliseconds until the action threw, or -1 if it was still running after the cap. */
    private static long timeToFailure(ThrowingRunnable action) throws InterruptedException, ExecutionException {
        long start = System.nanoTime();
        CompletableFuture<Long> done = CompletableFuture.supplyAsync(() -> {
            try {
                action.run();
                throw new AssertionError("a silent server let a login through");
            } catch (AssertionError e) {
                throw e;
            } catch (Throwable expected) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
        });
        try {
            return done.get(PLAIN_HIKARI_CAP_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return -1;
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
