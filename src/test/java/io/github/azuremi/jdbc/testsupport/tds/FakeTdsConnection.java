package io.github.azuremi.jdbc.testsupport.tds;

import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.Encryption;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.LoginAttempt;
import io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer.TokenPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One client connection, on its own thread: encryption set-up, PRELOGIN, LOGIN7 (with the FEDAUTH exchange), then
 * SQL batches until the client goes away.
 */
final class FakeTdsConnection implements Runnable {

    private final FakeTdsServer server;
    private final Socket socket;
    private final int spid;
    private final SqlResponder sql;
    private TdsChannel channel;
    private Encryption encryption = Encryption.NONE;
    private String principal;
    private String database;

    FakeTdsConnection(FakeTdsServer server, Socket socket, int spid) {
        this.server = server;
        this.socket = socket;
        this.spid = spid;
        this.sql = new SqlResponder(server.serverName());
    }

    @Override
    public void run() {
        try (socket) {
            if (login()) {
                serveBatches();
            }
        } catch (IOException | RuntimeException e) {
            // a client that goes away mid-message (pool shutdown, test end) is normal; the server records the rest
            server.connectionFailed(e);
        } finally {
            server.connectionEnded(this);
        }
    }

    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Up to a finished login: true if the client is logged in. */
    private boolean login() throws IOException {
        return negotiate() && authenticate();
    }

    /**
     * Encryption and PRELOGIN. A TDS 8 client starts with a TLS ClientHello, a TDS 7.x client with a PRELOGIN packet:
     * the first byte tells which, so one port serves both (as SQL Server 2022 does).
     */
    private boolean negotiate() throws IOException {
        InputStream rawIn = socket.getInputStream();
        OutputStream rawOut = socket.getOutputStream();
        int first = rawIn.read();
        if (first < 0) {
            return false;
        }
        boolean strict = first == Tds.TLS_HANDSHAKE_RECORD;
        if (strict) {
            // TDS 8 (encrypt=strict): TLS first, everything else inside it
            SSLSocket tls = serverTls(socket, new ByteArrayInputStream(new byte[] {(byte) first}), true);
            if (!handshake(tls)) {
                return false;
            }
            encryption = Encryption.STRICT;
            channel = new TdsChannel(tls.getInputStream(), tls.getOutputStream(), spid);
        } else {
            PushbackInputStream in = new PushbackInputStream(rawIn, 1);
            in.unread(first);
            rawIn = in;
            channel = new TdsChannel(rawIn, rawOut, spid);
        }

        PreLogin.Request preLogin = PreLogin.parse(channel.read());
        int answer = PreLogin.answerEncryption(preLogin, strict);
        channel.write(Tds.PKT_REPLY, PreLogin.response(answer, preLogin.fedAuthRequired()));
        if (!strict && answer != Tds.ENCRYPT_NOT_SUP) {
            // TDS 7.x: the TLS handshake travels in PRELOGIN packets, then TLS carries the rest of the connection
            PreloginFramedSocket framed = new PreloginFramedSocket(socket, rawIn, rawOut, spid);
            SSLSocket tls = serverTls(framed, null, false);
            if (!handshake(tls)) {
                return false;
            }
            framed.endHandshake();
            encryption = Encryption.TLS_IN_PRELOGIN;
            channel = new TdsChannel(tls.getInputStream(), tls.getOutputStream(), spid);
        }
        return true;
    }

    /** LOGIN7, the token (inside LOGIN7 or after FEDAUTHINFO), the verifier's verdict and the answer. */
    private boolean authenticate() throws IOException {
        Login7 login = Login7.parse(channel.read());
        database = login.database().isEmpty() ? "master" : login.database();
        Optional<Login7.FedAuth> fedAuth = login.fedAuth();
        if (fedAuth.isEmpty()) {
            // SQL or Windows login: the fake knows no passwords; SQL Server names the login in this message
            refuse(login, TokenPath.NONE, null, "Login failed for user '" + login.userName() + "'.");
            return false;
        }
        String token;
        TokenPath path;
        if (fedAuth.get().library() == Tds.FEDAUTH_LIBRARY_SECURITY_TOKEN) {
            path = TokenPath.LOGIN7_SECURITY_TOKEN;
            token = fedAuth.get().securityToken();
        } else if (fedAuth.get().library() == Tds.FEDAUTH_LIBRARY_ADAL) {
            path = TokenPath.FEDAUTH_TOKEN_MESSAGE;
            channel.write(
                    Tds.PKT_REPLY,
                    new TokenWriter().fedAuthInfo(server.stsUrl(), server.spn()).toByteArray());
            token = readFedAuthToken(channel.read());
            if (token == null) {
                return false; // the client gave up (for example, its callback threw)
            }
        } else {
            throw new IOException("unknown FEDAUTH library " + fedAuth.get().library());
        }

        Optional<String> accepted = server.verify(token);
        if (accepted.isEmpty()) {
            refuse(login, path, token, Tds.TOKEN_LOGIN_FAILED);
            return false;
        }
        principal = accepted.get();
        // recorded before the answer, so that a test sees it as soon as the driver returns
        server.loginFinished(
                new LoginAttempt(
                        true,
                        path,
                        encryption,
                        database,
                        login.appName(),
                        principal,
                        fedAuth.get().workflow()),
                token);
        acceptLogin(negotiatedPacketSize(login.packetSize()));
        return true;
    }

    /**
     * The tokens SQL Server sends for a successful login, in its order. The driver needs LOGINACK; it takes the
     * database, collation (used to send string parameters), language and packet size from the ENVCHANGEs, and
     * accepts the FEDAUTH acknowledgement. DONE ends the message.
     */
    private void acceptLogin(int packetSize) throws IOException {
        channel.write(
                Tds.PKT_REPLY,
                new TokenWriter()
                        .envChange(Tds.ENV_DATABASE, database, "master")
                        .info(5701, 2, 0, "Changed database context to '" + database + "'.", server.serverName())
                        .envChangeCollation(Tds.COLLATION_SQL_LATIN1_CI_AS)
                        .envChange(Tds.ENV_LANGUAGE, "us_english", "")
                        .loginAck(
                                Tds.VER_TDS74,
                                "Microsoft SQL Server",
                                PreLogin.SERVER_MAJOR,
                                PreLogin.SERVER_MINOR,
                                PreLogin.SERVER_BUILD)
                        .featureExtAckFedAuth()
                        .envChange(
                                Tds.ENV_PACKET_SIZE,
                                Integer.toString(packetSize),
                                Integer.toString(Tds.INITIAL_PACKET_SIZE))
                        .done(Tds.DONE_FINAL, 0, 0)
                        .toByteArray());
        channel.packetSize(packetSize);
    }

    /** FEDAUTH_TOKEN message (SQLServerConnection.FedAuthTokenCommand): DWORD data length, DWORD token length, token. */
    private static String readFedAuthToken(TdsMessage message) throws IOException {
        if (message == null) {
            return null;
        }
        if (message.type() != Tds.PKT_FEDAUTH_TOKEN) {
            throw new IOException("expected FEDAUTH_TOKEN, got " + message);
        }
        byte[] p = message.payload();
        int tokenLength = TdsBytes.u32(p, 4);
        if (tokenLength < 0 || 8 + tokenLength > p.length) {
            throw new IOException("FEDAUTH_TOKEN token length does not fit the message");
        }
        return new String(p, 8, tokenLength, StandardCharsets.UTF_16LE);
    }

    /** As SQL Server: error 18456, state 1, class 14, DONE with the error bit, then it closes the connection. */
    private void refuse(Login7 login, TokenPath path, String token, String message) throws IOException {
        server.loginFinished(
                new LoginAttempt(
                        false,
                        path,
                        encryption,
                        database,
                        login.appName(),
                        null,
                        login.fedAuth().map(Login7.FedAuth::workflow).orElse(-1)),
                token);
        channel.write(
                Tds.PKT_REPLY,
                new TokenWriter()
                        .error(Tds.LOGIN_FAILED_NUMBER, 1, 14, message, server.serverName())
                        .done(Tds.DONE_ERROR, 0, 0)
                        .toByteArray());
    }

    private static int negotiatedPacketSize(int requested) {
        if (requested == 0) {
            return Tds.INITIAL_PACKET_SIZE; // "use the server's": ours is 4096
        }
        return Math.max(Tds.MIN_PACKET_SIZE, Math.min(Tds.MAX_PACKET_SIZE, requested));
    }

    private void serveBatches() throws IOException {
        TdsMessage message;
        while ((message = channel.read()) != null) {
            if ((message.status() & Tds.STATUS_RESET_CONNECTION) != 0) {
                // a PooledConnection handed out again: SQL Server would reset the session (and may ack with ENVCHANGE
                // 18,
                // which the driver does not need); the fake has no session state to reset
                server.resetConnectionReceived();
            }
            switch (message.type()) {
                case Tds.PKT_SQL_BATCH -> {
                    String text = SqlResponder.sqlText(message.payload());
                    server.batchReceived(text);
                    channel.write(Tds.PKT_REPLY, sql.respond(text, principal, database));
                }
                case Tds.PKT_RPC -> {
                    RpcRequest rpc = RpcRequest.parse(message.payload());
                    if (rpc.statement() != null) {
                        server.batchReceived(rpc.statement());
                    }
                    channel.write(Tds.PKT_REPLY, sql.respondToRpc(rpc, principal, database));
                }
                // every request is answered before the next is read, so an attention only needs its acknowledgement
                case Tds.PKT_ATTENTION ->
                    channel.write(
                            Tds.PKT_REPLY,
                            new TokenWriter().done(Tds.DONE_ATTN, 0, 0).toByteArray());
                case Tds.PKT_TRANSACTION_MANAGER ->
                    channel.write(
                            Tds.PKT_REPLY,
                            new TokenWriter().done(Tds.DONE_FINAL, 0, 0).toByteArray());
                default -> throw new IOException("unexpected message after login: " + message);
            }
        }
    }

    /**
     * Runs the TLS handshake. A failure is the client's verdict on our certificate (it sends an alert, or just closes
     * the socket: which one the server sees is a race), so it is counted, not treated as a fake's protocol error.
     */
    private boolean handshake(SSLSocket tls) {
        try {
            tls.startHandshake();
            return true;
        } catch (IOException e) {
            server.tlsHandshakeFailed();
            return false;
        }
    }

    private SSLSocket serverTls(Socket under, InputStream consumed, boolean strict) throws IOException {
        SSLSocket tls = (SSLSocket)
                TestCertificate.get().sslContext().getSocketFactory().createSocket(under, consumed, true);
        tls.setUseClientMode(false);
        SSLParameters params = tls.getSSLParameters();
        if (strict) {
            // TDS 8 clients offer ALPN "tds/8.0" (TDS.PROTOCOL_TDS80) and check what the server picked
            params.setApplicationProtocols(new String[] {"tds/8.0"});
        } else {
            // SQL Server does TLS 1.3 only under TDS 8; in 7.x framing a TLS 1.3 server's post-handshake ticket would
            // arrive after the driver stopped reading PRELOGIN framing
            params.setProtocols(new String[] {"TLSv1.2"});
        }
        tls.setSSLParameters(params);
        return tls;
    }
}
