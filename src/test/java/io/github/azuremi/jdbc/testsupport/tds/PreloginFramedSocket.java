package io.github.azuremi.jdbc.testsupport.tds;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * The transport under a server-side SSLSocket for TDS 7.x encryption ({@code encrypt=true/false}): during the TLS
 * handshake every TLS byte travels inside PRELOGIN (0x12) packets; after it, TLS records go on the socket as they
 * are. This mirrors the driver's own ProxySocket / SSLHandshakeInputStream / SSLHandshakeOutputStream (IOBuffer.java):
 * the driver sends its handshake flight as one PRELOGIN message and reads ours as one message, so we hold our
 * handshake output until the TLS engine wants to read (or the handshake ends) and then send it as one message.
 *
 * <p>An {@code SSLSocket} layered over a plain {@link Socket} only needs the stream and address methods, which
 * delegate to the real socket.
 */
final class PreloginFramedSocket extends Socket {

    private final Socket socket;
    private final DataInputStream rawIn;
    private final OutputStream rawOut;
    private final int spid;
    private final ByteArrayOutputStream pendingOut = new ByteArrayOutputStream();
    private volatile boolean framing = true;
    private byte[] packet = new byte[0];
    private int packetPos;

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!framing) {
                return rawIn.read(b, off, len);
            }
            if (packetPos == packet.length && !nextPacket()) {
                return -1;
            }
            int n = Math.min(len, packet.length - packetPos);
            System.arraycopy(packet, packetPos, b, off, n);
            packetPos += n;
            return n;
        }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (framing) {
                pendingOut.write(b, off, len);
            } else {
                rawOut.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!framing) {
                rawOut.flush();
            }
        }
    };

    PreloginFramedSocket(Socket socket, InputStream rawIn, OutputStream rawOut, int spid) {
        this.socket = socket;
        this.rawIn = new DataInputStream(rawIn);
        this.rawOut = rawOut;
        this.spid = spid;
    }

    /** Called once the server's handshake has finished: sends the last flight, then passes TLS records through. */
    void endHandshake() throws IOException {
        sendPending();
        framing = false;
    }

    private boolean nextPacket() throws IOException {
        // the peer answers only after it got our flight, as the driver does in SSLHandshakeInputStream.ensureSSLPayload
        sendPending();
        byte[] header = new byte[Tds.HEADER_SIZE];
        int first = rawIn.read();
        if (first < 0) {
            return false;
        }
        header[0] = (byte) first;
        rawIn.readFully(header, 1, Tds.HEADER_SIZE - 1);
        if ((header[0] & 0xFF) != Tds.PKT_PRELOGIN) {
            throw new IOException(
                    "expected a PRELOGIN packet carrying TLS, got type 0x" + Integer.toHexString(header[0]));
        }
        packet = new byte[TdsBytes.u16be(header, 2) - Tds.HEADER_SIZE];
        rawIn.readFully(packet);
        packetPos = 0;
        return true;
    }

    private void sendPending() throws IOException {
        if (pendingOut.size() > 0) {
            TdsChannel.writePackets(rawOut, Tds.PKT_PRELOGIN, pendingOut.toByteArray(), Tds.INITIAL_PACKET_SIZE, spid);
            rawOut.flush();
            pendingOut.reset();
        }
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public boolean isConnected() {
        return socket.isConnected();
    }

    @Override
    public boolean isBound() {
        return socket.isBound();
    }

    @Override
    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public boolean isInputShutdown() {
        return socket.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return socket.isOutputShutdown();
    }

    @Override
    public void shutdownInput() throws IOException {
        socket.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public InetAddress getInetAddress() {
        return socket.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return socket.getLocalAddress();
    }

    @Override
    public int getPort() {
        return socket.getPort();
    }

    @Override
    public int getLocalPort() {
        return socket.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return socket.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return socket.getLocalSocketAddress();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        socket.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return socket.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        socket.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return socket.getTcpNoDelay();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "PreloginFramedSocket[" + socket + ", framing=" + framing + "]";
    }
}
