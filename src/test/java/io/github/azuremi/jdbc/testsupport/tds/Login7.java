package io.github.azuremi.jdbc.testsupport.tds;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The parts of a LOGIN7 message (MS-TDS 2.2.6.4) the fake needs, as mssql-jdbc writes it in
 * SQLServerConnection.sendLogon: fixed header of 94 bytes with offset/length pairs into the variable part, and the
 * feature extension block that the {@code ibExtension} field points to indirectly (it points to a DWORD that holds
 * the block's offset).
 *
 * @param tdsVersion    0x74000004 (TDS 7.4) or 0x08000000 (TDS 8, encrypt=strict)
 * @param packetSize    the packet size the client asks for (8000 by default; 0 = the server's)
 * @param userName      SQL login name; empty for token logins, which send no user or password
 * @param appName       application name
 * @param database      the initial database, empty if none
 * @param fedAuth       the FEDAUTH feature extension, if present
 */
record Login7(
        int tdsVersion, int packetSize, String userName, String appName, String database, Optional<FedAuth> fedAuth) {

    /**
     * The FEDAUTH feature extension (FeatureId 0x02), see SQLServerConnection.writeFedAuthFeatureRequest.
     *
     * @param library         0x01 SECURITYTOKEN (token inside LOGIN7: {@code accessToken=}) or 0x02 "ADAL" (the
     *                        server must answer FEDAUTHINFO and the token follows in a FEDAUTH_TOKEN message: used for
     *                        the access-token callback and every {@code authentication=ActiveDirectory*} mode)
     * @param echo            the client's copy of the server's FEDAUTHREQUIRED answer
     * @param workflow        for ADAL: 0x01 password, 0x02 integrated, 0x03 managed identity / default /
     *                        interactive / access-token callback (all the same byte in 13.2.1); -1 otherwise
     * @param securityToken   for SECURITYTOKEN: the access token; never printed
     */
    record FedAuth(int library, boolean echo, int workflow, String securityToken) {
        @Override
        public String toString() {
            return "FedAuth[library=" + library + ", echo=" + echo + ", workflow=" + workflow + "]";
        }
    }

    private static final int FIXED_LENGTH = 94;

    static Login7 parse(TdsMessage message) throws IOException {
        if (message == null || message.type() != Tds.PKT_LOGIN7) {
            throw new IOException("expected LOGIN7, got " + message);
        }
        byte[] p = message.payload();
        if (p.length < FIXED_LENGTH) {
            throw new IOException("LOGIN7 shorter than its fixed part");
        }
        int tdsVersion = TdsBytes.u32(p, 4);
        int packetSize = TdsBytes.u32(p, 8);
        int optionFlags3 = p[27] & 0xFF;
        String user = string(p, 40);
        String app = string(p, 48);
        String database = string(p, 68);
        Optional<FedAuth> fedAuth = Optional.empty();
        // fExtension (0x10 in OptionFlags3): ibExtension/cbExtension point to a DWORD with the feature block offset
        if ((optionFlags3 & 0x10) != 0) {
            int extensionPointer = TdsBytes.u16(p, 56);
            int featureOffset = TdsBytes.u32(p, extensionPointer);
            fedAuth = findFedAuth(p, featureOffset);
        }
        return new Login7(tdsVersion, packetSize, user, app, database, fedAuth);
    }

    private static String string(byte[] p, int field) {
        int offset = TdsBytes.u16(p, field);
        int chars = TdsBytes.u16(p, field + 2);
        return chars == 0 ? "" : TdsBytes.ucs2(p, offset, chars);
    }

    /** Walks FeatureId (1 byte), FeatureDataLen (4), FeatureData ... up to the 0xFF terminator. */
    private static Optional<FedAuth> findFedAuth(byte[] p, int offset) throws IOException {
        int i = offset;
        while (i < p.length && (p[i] & 0xFF) != Tds.FEATURE_TERMINATOR) {
            int id = p[i] & 0xFF;
            int length = TdsBytes.u32(p, i + 1);
            int data = i + 5;
            if (length < 0 || data + length > p.length) {
                throw new IOException("LOGIN7 feature 0x" + Integer.toHexString(id) + " runs past the message");
            }
            if (id == Tds.FEATURE_FEDAUTH) {
                return Optional.of(fedAuth(p, data, length));
            }
            i = data + length;
        }
        return Optional.empty();
    }

    private static FedAuth fedAuth(byte[] p, int data, int length) throws IOException {
        int options = p[data] & 0xFF;
        int library = options >>> 1;
        boolean echo = (options & 0x01) != 0;
        if (library == Tds.FEDAUTH_LIBRARY_ADAL) {
            int workflow = length > 1 ? p[data + 1] & 0xFF : -1;
            return new FedAuth(library, echo, workflow, null);
        }
        if (library == Tds.FEDAUTH_LIBRARY_SECURITY_TOKEN) {
            int tokenLength = TdsBytes.u32(p, data + 1);
            if (tokenLength < 0 || tokenLength > length - 5) {
                throw new IOException("FEDAUTH security token length does not fit its feature");
            }
            String token = new String(p, data + 5, tokenLength, StandardCharsets.UTF_16LE);
            return new FedAuth(library, echo, -1, token);
        }
        return new FedAuth(library, echo, -1, null);
    }

    @Override
    public String toString() {
        return "Login7[tdsVersion=0x" + Integer.toHexString(tdsVersion) + ", packetSize=" + packetSize + ", user="
                + userName + ", app=" + appName + ", database=" + database + ", fedAuth=" + fedAuth + "]";
    }
}
