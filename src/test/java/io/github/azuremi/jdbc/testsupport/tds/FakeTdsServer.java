package io.github.azuremi.jdbc.testsupport.tds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A TDS endpoint on 127.0.0.1 that the real mssql-jdbc driver logs in to with a Microsoft Entra ID access token, so
 * that SQL Server token authentication can be tested without SQL Server.
 *
 * <p>It speaks the subset of TDS that a token login and a validation query need: PRELOGIN (with FEDAUTHREQUIRED=1),
 * TLS either first (TDS 8, {@code encrypt=strict}) or inside PRELOGIN packets (TDS 7.4, {@code encrypt=true} and
 * also {@code encrypt=false}, since the driver always encrypts a token login), LOGIN7 with the FEDAUTH feature
 * extension in both forms the driver uses (the token inside LOGIN7 for {@code accessToken=}; FEDAUTHINFO then a
 * FEDAUTH_TOKEN message for the access-token callback), then SQL batches: {@code SELECT 1},
 * {@code SELECT SUSER_SNAME()}, {@code SELECT DB_NAME()}, and {@code SET}/transaction statements.
 *
 * <p>The test decides which tokens are good: {@code tokenVerifier} maps a token to the principal name it identifies
 * (what {@code SUSER_SNAME()} returns), or to empty to refuse it. A refused login gets what SQL Server sends: error
 * 18456, state 1, class 14, "Login failed for user '&lt;token-identified principal&gt;'.". The server never logs a
 * token; {@link #lastToken()} keeps the last one for assertions.
 *
 * <pre>{@code
 * try (FakeTdsServer sql = FakeTdsServer.start(token -> issued.contains(token) ? Optional.of("app-mi") : Optional.empty())) {
 *   SQLServerDataSource ds = new SQLServerDataSource();
 *   ds.setURL(sql.jdbcUrl("app"));
 *   ds.setAccessTokenCallback((spn, sts) -> new SqlAuthenticationToken(token, expiresMillis));
 *   ...
 * }
 * }</pre>
 */
public final class FakeTdsServer implements AutoCloseable {

    /** How a connection was encrypted. */
    public enum Encryption {
        /** No TLS: only for clients that ask ENCRYPT_NOT_SUP, which a token login never does. */
        NONE,
        /** TDS 7.4: PRELOGIN in clear, TLS handshake inside PRELOGIN packets, then TLS ({@code encrypt=true/false}). */
        TLS_IN_PRELOGIN,
        /** TDS 8: TLS first with ALPN tds/8.0, PRELOGIN inside it ({@code encrypt=strict}). */
        STRICT
    }

    /** How the token reached the server. */
    public enum TokenPath {
        /** No FEDAUTH feature: a SQL or Windows login, always refused. */
        NONE,
        /** FEDAUTH library SECURITYTOKEN (0x01): the token inside LOGIN7 ({@code accessToken=} / setAccessToken). */
        LOGIN7_SECURITY_TOKEN,
        /**
         * FEDAUTH library "ADAL" (0x02): the server sends FEDAUTHINFO (STS URL, SPN), the driver answers with a
         * FEDAUTH_TOKEN message ({@code setAccessTokenCallback}, {@code accessTokenCallbackClass},
         * {@code authentication=ActiveDirectory...}).
         */
        FEDAUTH_TOKEN_MESSAGE
    }

    /**
     * One finished login, accepted or refused. Holds no token.
     *
     * @param accepted  whether the verifier accepted the token
     * @param path      how the token came
     * @param encryption how the connection was encrypted
     * @param database  the database the client asked for ("master" if none)
     * @param appName   the client's application name
     * @param principal the principal the verifier named, null if refused
     * @param workflow  the FEDAUTH workflow byte of the ADAL library (3 for the access-token callback), else -1
     */
    public record LoginAttempt(
            boolean accepted,
            TokenPath path,
            Encryption encryption,
            String database,
            String appName,
            String principal,
            int workflow) {}

    /**
     * How to start the server. Defaults: the SPN and STS URL Azure SQL Database sends in FEDAUTHINFO
     * ({@code https://database.windows.net/} and {@code https://login.windows.net/<tenant>}), at most 32 connections.
     */
    public static final class Options {
        private String spn = "https://database.windows.net/";
        private String stsUrl = "https://login.windows.net/00000000-0000-0000-0000-000000000000";
        private String serverName = "fake-tds-server";
        private int maxConnections = 32;
        private InetAddress bindAddress;

        /** The SPN sent in FEDAUTHINFO: the driver hands it to the callback as {@code spn}. */
        public Options spn(String spn) {
            this.spn = Objects.requireNonNull(spn);
            return this;
        }

        /** The STS URL sent in FEDAUTHINFO: the driver hands it to the callback as {@code stsurl}. */
        public Options stsUrl(String stsUrl) {
            this.stsUrl = Objects.requireNonNull(stsUrl);
            return this;
        }

        /** The server name in ERROR/INFO tokens. */
        public Options serverName(String serverName) {
            this.serverName = Objects.requireNonNull(serverName);
            return this;
        }

        /** Connections open at once; one more is closed right after accept. */
        /** Listen on this address instead of 127.0.0.1 (a non-loopback one for transport-security tests). */
        public Options bindAddress(InetAddress bindAddress) {
            this.bindAddress = bindAddress;
            return this;
        }

        public Options maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections < 1");
            }
            this.maxConnections = maxConnections;
            return this;
        }
    }

    private final Function<String, Optional<String>> tokenVerifier;
    private final Options options;
    private final ServerSocket serverSocket;
    private final Semaphore connectionSlots;
    private final Set<FakeTdsConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextSpid = new AtomicInteger(51);
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger connectionErrors = new AtomicInteger();
    private final AtomicInteger handshakeFailures = new AtomicInteger();
    private final AtomicInteger resetConnections = new AtomicInteger();
    private final AtomicReference<String> lastToken = new AtomicReference<>();
    private final AtomicReference<Throwable> lastConnectionError = new AtomicReference<>();
    private final List<LoginAttempt> logins = new CopyOnWriteArrayList<>();
    private final List<String> batches = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private FakeTdsServer(Function<String, Optional<String>> tokenVerifier, Options options) throws IOException {
        this.tokenVerifier = Objects.requireNonNull(tokenVerifier, "tokenVerifier");
        this.options = options;
        this.connectionSlots = new Semaphore(options.maxConnections);
        this.serverSocket = new ServerSocket();
        serverSocket.bind(
                new InetSocketAddress(
                        options.bindAddress != null ? options.bindAddress : InetAddress.getLoopbackAddress(), 0),
                50);
        TestCertificate.get(); // fail at start, not inside a connection, if the certificate is missing
        this.acceptor = new Thread(this::acceptLoop, "fake-tds-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server on 127.0.0.1 and an ephemeral port, with default {@link Options}. */
    public static FakeTdsServer start(Function<String, Optional<String>> tokenVerifier) {
        return start(tokenVerifier, new Options());
    }

    public static FakeTdsServer start(Function<String, Optional<String>> tokenVerifier, Options options) {
        try {
            return new FakeTdsServer(tokenVerifier, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start FakeTdsServer", e);
        }
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /**
     * A URL for {@code encrypt=strict} (TDS 8) that trusts exactly the fake's certificate through
     * {@code serverCertificate} (the driver ignores trustServerCertificate under strict).
     */
    public String jdbcUrl(String database) {
        return jdbcUrl(database, Encryption.STRICT);
    }

    /**
     * A URL for the given encryption: STRICT as {@link #jdbcUrl(String)}; TLS_IN_PRELOGIN as
     * {@code encrypt=true;trustServerCertificate=true} (the usual Azure SQL set-up); NONE is refused, since the
     * driver encrypts a token login whatever {@code encrypt} says.
     */
    public String jdbcUrl(String database, Encryption encryption) {
        String base = "jdbc:sqlserver://127.0.0.1:" + port() + ";databaseName=" + database + ";loginTimeout=10";
        return switch (encryption) {
            case STRICT ->
                base + ";encrypt=strict;serverCertificate="
                        + TestCertificate.get().pemFile();
            case TLS_IN_PRELOGIN -> base + ";encrypt=true;trustServerCertificate=true";
            case NONE ->
                throw new IllegalArgumentException("a token login is always encrypted: use STRICT or TLS_IN_PRELOGIN");
        };
    }

    /**
     * A URL for {@code encrypt=true} that validates the certificate (trust store and host name) instead of trusting
     * any certificate.
     */
    public String jdbcUrlVerifyingCertificate(String database) {
        TestCertificate cert = TestCertificate.get();
        return "jdbc:sqlserver://127.0.0.1:" + port() + ";databaseName=" + database + ";loginTimeout=10"
                + ";encrypt=true;trustServerCertificate=false;hostNameInCertificate=" + TestCertificate.HOST_NAME
                + ";trustStore=" + cert.trustStoreFile() + ";trustStoreType=PKCS12;trustStorePassword="
                + TestCertificate.PASSWORD;
    }

    /** The SPN the server sends in FEDAUTHINFO. */
    public String spn() {
        return options.spn;
    }

    /** The STS URL the server sends in FEDAUTHINFO. */
    public String stsUrl() {
        return options.stsUrl;
    }

    String serverName() {
        return options.serverName;
    }

    public int acceptedLogins() {
        return accepted.get();
    }

    public int refusedLogins() {
        return refused.get();
    }

    /** Every finished login, oldest first. */
    public List<LoginAttempt> logins() {
        return List.copyOf(logins);
    }

    /** The SQL text of every batch received after login, oldest first. */
    public List<String> batches() {
        return List.copyOf(batches);
    }

    /** The token of the last finished login, accepted or refused, or null. For assertions only: do not print it. */
    public String lastToken() {
        return lastToken.get();
    }

    /** Requests that carried the RESETCONNECTION status bit (a pooled connection handed out again). */
    public int resetConnectionRequests() {
        return resetConnections.get();
    }

    /** Connections that ended with a protocol or I/O error (not a normal client close). */
    public int connectionErrors() {
        return connectionErrors.get();
    }

    /** TLS handshakes that failed (a client that does not trust the certificate ends here). */
    public int tlsHandshakeFailures() {
        return handshakeFailures.get();
    }

    /** The last error counted by {@link #connectionErrors()}, for a test's failure message. */
    public Optional<Throwable> lastConnectionError() {
        return Optional.ofNullable(lastConnectionError.get());
    }

    public int openConnections() {
        return open.size();
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(FakeTdsConnection::close);
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeTdsServer[127.0.0.1:" + port() + ", accepted=" + accepted + ", refused=" + refused + "]";
    }

    // ---- called by connections

    Optional<String> verify(String token) {
        try {
            return Objects.requireNonNullElse(tokenVerifier.apply(token), Optional.empty());
        } catch (RuntimeException e) {
            return Optional.empty(); // a verifier that throws refuses
        }
    }

    void loginFinished(LoginAttempt attempt, String token) {
        if (token != null) {
            lastToken.set(token);
        }
        logins.add(attempt);
        (attempt.accepted() ? accepted : refused).incrementAndGet();
    }

    void batchReceived(String sql) {
        batches.add(sql);
    }

    void connectionFailed(Exception e) {
        if (closed || e instanceof SocketException || e instanceof java.io.EOFException) {
            return; // closed by us or by the client
        }
        connectionErrors.incrementAndGet();
        lastConnectionError.set(e);
    }

    void resetConnectionReceived() {
        resetConnections.incrementAndGet();
    }

    void tlsHandshakeFailed() {
        handshakeFailures.incrementAndGet();
    }

    void connectionEnded(FakeTdsConnection connection) {
        if (open.remove(connection)) {
            connectionSlots.release();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!connectionSlots.tryAcquire()) {
                closeQuietly(socket); // over the bound: the driver sees a connection reset, as from a full server
                continue;
            }
            try {
                socket.setTcpNoDelay(true);
            } catch (SocketException ignored) {
                // a hint only
            }
            int spid = nextSpid.getAndIncrement();
            FakeTdsConnection connection = new FakeTdsConnection(this, socket, spid);
            open.add(connection);
            Thread t = new Thread(connection, "fake-tds-" + port() + "-spid-" + spid);
            t.setDaemon(true);
            t.start();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
