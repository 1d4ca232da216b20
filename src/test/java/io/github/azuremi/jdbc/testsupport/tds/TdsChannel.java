package io.github.azuremi.jdbc.testsupport.tds;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads client messages and writes server messages as TDS packets over a pair of streams (plain or TLS).
 * Not thread-safe: one per connection, used by that connection's thread.
 */
final class TdsChannel {

    /** Guards against a client (or garbage) announcing a huge message; the largest real one is a LOGIN7 with a token. */
    private static final int MAX_MESSAGE_BYTES = 1 << 20;

    private final DataInputStream in;
    private final OutputStream out;
    private final int spid;
    private int packetSize = Tds.INITIAL_PACKET_SIZE;

    TdsChannel(InputStream in, OutputStream out, int spid) {
        this.in = new DataInputStream(in);
        this.out = out;
        this.spid = spid;
    }

    /** From the login response on, the driver accepts packets up to the size the server announced in ENVCHANGE. */
    void packetSize(int size) {
        this.packetSize = size;
    }

    /** The next message, or null when the client closed the connection between messages. */
    TdsMessage read() throws IOException {
        byte[] header = new byte[Tds.HEADER_SIZE];
        int first = in.read();
        if (first < 0) {
            return null;
        }
        header[0] = (byte) first;
        in.readFully(header, 1, Tds.HEADER_SIZE - 1);
        int type = header[0] & 0xFF;
        int status = header[1] & 0xFF;
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        while (true) {
            int length = TdsBytes.u16be(header, 2);
            if (length < Tds.HEADER_SIZE) {
                throw new IOException("bad TDS packet length " + length);
            }
            byte[] body = new byte[length - Tds.HEADER_SIZE];
            in.readFully(body);
            payload.write(body, 0, body.length);
            if (payload.size() > MAX_MESSAGE_BYTES) {
                throw new IOException("TDS message longer than " + MAX_MESSAGE_BYTES + " bytes");
            }
            if ((header[1] & Tds.STATUS_EOM) != 0) {
                return new TdsMessage(type, status, payload.toByteArray());
            }
            try {
                in.readFully(header);
            } catch (EOFException e) {
                throw new EOFException("connection closed inside a TDS message");
            }
        }
    }

    /** Sends {@code payload} as one message of {@code type}, split into packets of the current packet size. */
    void write(int type, byte[] payload) throws IOException {
        writePackets(out, type, payload, packetSize, spid);
        out.flush();
    }

    /** Packet framing shared with the TLS-in-PRELOGIN handshake, which writes to the raw socket. */
    static void writePackets(OutputStream out, int type, byte[] payload, int packetSize, int spid) throws IOException {
        int room = packetSize - Tds.HEADER_SIZE;
        int offset = 0;
        int packetId = 1;
        do {
            int n = Math.min(room, payload.length - offset);
            boolean last = offset + n == payload.length;
            byte[] packet = new TdsBytes()
                    .u8(type)
                    .u8(last ? Tds.STATUS_EOM : 0)
                    .u16be(n + Tds.HEADER_SIZE)
                    .u16be(spid)
                    .u8(packetId++)
                    .u8(0)
                    .toByteArray();
            out.write(packet);
            out.write(payload, offset, n);
            offset += n;
        } while (offset < payload.length);
    }
}
