package io.github.azuremi.jdbc.testsupport.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A fake PostgreSQL or MySQL server that records every byte a client sends it (after decryption when TLS is on)
 * and does what a server needs to do to be sent the password: PostgreSQL asks for it in clear text
 * (AuthenticationCleartextPassword, as Azure does), MySQL announces and switches to {@code mysql_clear_password}.
 * It then refuses the login. With {@link Tls#NONE} it answers "no TLS" (PostgreSQL 'N', MySQL without CLIENT_SSL);
 * with {@link Tls#SELF_SIGNED} it offers TLS with a self-signed certificate for its own address: a client that
 * verifies the server gives up in the handshake, one that does not sends the password through.
 */
public final class RecordingDatabaseServer implements AutoCloseable {

    public enum Protocol {
        POSTGRESQL,
        MYSQL
    }

    public enum Tls {
        NONE,
        SELF_SIGNED
    }

    private final Protocol protocol;
    private final Tls tls;
    private final ServerSocket server;
    private final SSLContext sslContext;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger tlsRequests = new AtomicInteger();
    private final AtomicInteger tlsHandshakes = new AtomicInteger();
    private final AtomicInteger passwordMessages = new AtomicInteger();
    private volatile boolean closed;

    public RecordingDatabaseServer(Protocol protocol, Tls tls, InetAddress address) throws IOException {
        this.protocol = protocol;
        this.tls = tls;
        this.sslContext = tls == Tls.SELF_SIGNED
                ? SelfSignedCertificate.serverContext(address.getHostAddress(), "localhost")
                : null;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0), 50);
        Thread t = new Thread(this::acceptLoop, "recording-" + protocol + "-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Clients that asked for TLS (PostgreSQL SSLRequest, MySQL SSL request packet). */
    public int tlsRequests() {
        return tlsRequests.get();
    }

    /** TLS handshakes that completed: the client accepted the self-signed certificate. */
    public int completedTlsHandshakes() {
        return tlsHandshakes.get();
    }

    /** Whether the token arrived, in any of the encodings a client could use for it. */
    public synchronized boolean received(String token) {
        byte[] all = received.toByteArray();
        return indexOf(all, token.getBytes(StandardCharsets.UTF_8)) >= 0
                || indexOf(all, token.getBytes(StandardCharsets.UTF_16LE)) >= 0;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "recording-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (Socket s = socket) {
            s.setSoTimeout(10_000);
            if (protocol == Protocol.POSTGRESQL) {
                servePostgres(s);
            } else {
                serveMysql(s);
            }
        } catch (IOException | RuntimeException e) {
            // the client gave up (a verifying client closes during the handshake): what it sent is recorded
        }
    }

    // ---- PostgreSQL -----------------------------------------------------------------------------------------

    private void servePostgres(Socket plain) throws IOException {
        Socket s = plain;
        DataInputStream in = new DataInputStream(recording(s.getInputStream()));
        OutputStream out = s.getOutputStream();
        while (true) {
            int length = in.readInt();
            int code = in.readInt();
            if (code == 80877103) { // SSLRequest
                tlsRequests.incrementAndGet();
                if (tls == Tls.SELF_SIGNED) {
                    out.write('S');
                    out.flush();
                    s = upgrade(s);
                    in = new DataInputStream(recording(s.getInputStream()));
                    out = s.getOutputStream();
                } else {
                    out.write('N');
                    out.flush();
                }
                continue;
            }
            if (code == 80877104) { // GSSENCRequest
                out.write('N');
                out.flush();
                continue;
            }
            in.readFully(new byte[length - 8]); // StartupMessage: user, database, options
            break;
        }
        out.write(new byte[] {'R', 0, 0, 0, 8, 0, 0, 0, 3}); // AuthenticationCleartextPassword
        out.flush();
        int type = in.read();
        if (type == 'p') {
            passwordMessages.incrementAndGet();
            in.readFully(new byte[in.readInt() - 4]);
        }
        byte[] error =
                "SFATAL\0C28P01\0Mpassword authentication failed (fake server)\0\0".getBytes(StandardCharsets.US_ASCII);
        out.write('E');
        out.write(int32(error.length + 4));
        out.write(error);
        out.flush();
    }

    // ---- MySQL -----------------------------------------------------------------------------------------------

    private static final int CLIENT_SSL = 0x800;

    private void serveMysql(Socket plain) throws IOException {
        Socket s = plain;
        InputStream in = recording(s.getInputStream());
        OutputStream out = s.getOutputStream();
        int caps = 0x1
                | 0x4
                | 0x8
                | 0x200
                | 0x2000
                | 0x8000
                | 0x80000
                | 0x200000
                | (tls == Tls.SELF_SIGNED ? CLIENT_SSL : 0);
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        hs.write(10);
        hs.write("8.0.36-fake\0".getBytes(StandardCharsets.US_ASCII));
        hs.write(new byte[] {1, 0, 0, 0});
        hs.write("abcdefgh".getBytes(StandardCharsets.US_ASCII));
        hs.write(0);
        hs.write(caps & 0xff);
        hs.write((caps >> 8) & 0xff);
        hs.write(255); // utf8mb4
        hs.write(new byte[] {2, 0});
        hs.write((caps >> 16) & 0xff);
        hs.write((caps >> 24) & 0xff);
        hs.write(21);
        hs.write(new byte[10]);
        hs.write("ijklmnopqrst\0".getBytes(StandardCharsets.US_ASCII));
        hs.write("mysql_clear_password\0".getBytes(StandardCharsets.US_ASCII));
        writePacket(out, 0, hs.toByteArray());
        Packet p = readPacket(in);
        if (p.payload.length == 32 && (le32(p.payload, 0) & CLIENT_SSL) != 0) { // SSL request
            tlsRequests.incrementAndGet();
            s = upgrade(s);
            in = recording(s.getInputStream());
            out = s.getOutputStream();
            p = readPacket(in);
        }
        // HandshakeResponse41 (with the first auth response); ask for the password in clear text explicitly
        writePacket(out, p.seq + 1, "\u00femysql_clear_password\0\0".getBytes(StandardCharsets.ISO_8859_1));
        Packet answer = readPacket(in);
        passwordMessages.incrementAndGet();
        byte[] err = "\u00ff\u0015\u0004#28000Access denied (fake server)".getBytes(StandardCharsets.ISO_8859_1);
        writePacket(out, answer.seq + 1, err);
    }

    private record Packet(int seq, byte[] payload) {}

    private static Packet readPacket(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int b0 = d.readUnsignedByte(), b1 = d.readUnsignedByte(), b2 = d.readUnsignedByte();
        int seq = d.readUnsignedByte();
        byte[] payload = new byte[b0 | (b1 << 8) | (b2 << 16)];
        d.readFully(payload);
        return new Packet(seq, payload);
    }

    private static void writePacket(OutputStream out, int seq, byte[] payload) throws IOException {
        out.write(new byte[] {
            (byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) seq
        });
        out.write(payload);
        out.flush();
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    // ---- common ----------------------------------------------------------------------------------------------

    private Socket upgrade(Socket s) throws IOException {
        SSLSocket ssl = (SSLSocket) sslContext.getSocketFactory().createSocket(s, null, s.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        // TLS 1.3: the client verifies the certificate after the server's Finished; its alert arrives with the first
        // read
        tlsHandshakes.incrementAndGet();
        return ssl;
    }

    private InputStream recording(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    synchronized (RecordingDatabaseServer.this) {
                        received.write(b);
                    }
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    synchronized (RecordingDatabaseServer.this) {
                        received.write(buf, off, n);
                    }
                }
                return n;
            }
        };
    }

    private static byte[] int32(int v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
