package io.github.azuremi.jdbc.testsupport.tds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * PRELOGIN (MS-TDS 2.2.6.5): the option table the client sends first, and the server's answer.
 *
 * <p>What the driver checks in the answer (SQLServerConnection.prelogin, 13.2.1): a REPLY packet with EOM,
 * VERSION of length 6 with major version at least 9, ENCRYPTION of length 1 with a value compatible with the
 * level it asked for, FEDAUTHREQUIRED 0 or 1. Other options are ignored by the driver; the fake sends INSTOPT,
 * THREADID and MARS as SQL Server does.
 */
final class PreLogin {

    /** Server version in the PRELOGIN answer and LOGINACK: 16.0 (SQL Server 2022), build 1000. */
    static final int SERVER_MAJOR = 16;

    static final int SERVER_MINOR = 0;
    static final int SERVER_BUILD = 1000;

    /**
     * What the client asked for.
     *
     * @param encryption      the client's ENCRYPTION byte (a token login always asks ENCRYPT_ON, or NOT_SUP when
     *                        TLS already runs under TDS 8)
     * @param fedAuthRequired whether the client sent FEDAUTHREQUIRED (it does for accessToken and the callback)
     */
    record Request(int encryption, boolean fedAuthRequired) {}

    private PreLogin() {}

    static Request parse(TdsMessage message) throws IOException {
        if (message == null || message.type() != Tds.PKT_PRELOGIN) {
            throw new IOException("expected PRELOGIN, got " + message);
        }
        byte[] p = message.payload();
        int encryption = Tds.ENCRYPT_NOT_SUP;
        boolean fedAuthRequired = false;
        int i = 0;
        while (i < p.length && (p[i] & 0xFF) != Tds.PL_TERMINATOR) {
            int option = p[i] & 0xFF;
            int offset = TdsBytes.u16be(p, i + 1);
            int length = TdsBytes.u16be(p, i + 3);
            if (option == Tds.PL_ENCRYPTION && length >= 1) {
                // the low bits are the level; 0x80 would add "client certificate", unused here
                encryption = p[offset] & 0x0F;
            } else if (option == Tds.PL_FEDAUTHREQUIRED && length >= 1) {
                fedAuthRequired = p[offset] == 1;
            }
            i += 5;
        }
        return new Request(encryption, fedAuthRequired);
    }

    /**
     * The level the server answers. Under TDS 8 TLS already runs, and SQL Server answers the client's NOT_SUP in
     * kind (the driver ignores the value then). Otherwise: NOT_SUP stays plain, any other request gets ENCRYPT_ON,
     * that is TLS for the whole connection (the fake never offers login-only encryption).
     */
    static int answerEncryption(Request request, boolean tlsAlreadyOn) {
        if (tlsAlreadyOn || request.encryption() == Tds.ENCRYPT_NOT_SUP) {
            return Tds.ENCRYPT_NOT_SUP;
        }
        return Tds.ENCRYPT_ON;
    }

    static byte[] response(int encryption, boolean fedAuthRequired) {
        List<int[]> options = new ArrayList<>(); // {option, length}
        TdsBytes data = new TdsBytes();
        // VERSION: major, minor, build (big-endian), sub-build
        options.add(new int[] {Tds.PL_VERSION, 6});
        data.u8(SERVER_MAJOR).u8(SERVER_MINOR).u16be(SERVER_BUILD).u16(0);
        options.add(new int[] {Tds.PL_ENCRYPTION, 1});
        data.u8(encryption);
        // INSTOPT: 0 = the client's instance name (none) matches
        options.add(new int[] {Tds.PL_INSTOPT, 1});
        data.u8(0);
        // THREADID: SQL Server answers it empty
        options.add(new int[] {Tds.PL_THREADID, 0});
        // MARS: off
        options.add(new int[] {Tds.PL_MARS, 1});
        data.u8(0);
        if (fedAuthRequired) {
            // FEDAUTHREQUIRED=1: "use federated authentication", echoed by the driver in the LOGIN7 FEDAUTH options
            options.add(new int[] {Tds.PL_FEDAUTHREQUIRED, 1});
            data.u8(1);
        }
        int tableSize = options.size() * 5 + 1;
        TdsBytes table = new TdsBytes();
        int offset = tableSize;
        for (int[] option : options) {
            table.u8(option[0]).u16be(offset).u16be(option[1]);
            offset += option[1];
        }
        table.u8(Tds.PL_TERMINATOR);
        return table.bytes(data.toByteArray()).toByteArray();
    }
}
