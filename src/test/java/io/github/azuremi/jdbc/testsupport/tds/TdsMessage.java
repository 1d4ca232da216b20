package io.github.azuremi.jdbc.testsupport.tds;

/**
 * One client message: the packets up to the one with the EOM bit, joined.
 *
 * @param type    the packet type of the first packet
 * @param status  the status byte of the first packet (RESETCONNECTION lives there)
 * @param payload the joined payloads, without packet headers
 */
record TdsMessage(int type, int status, byte[] payload) {

    @Override
    public String toString() {
        // never the payload: a LOGIN7 or FEDAUTH_TOKEN payload carries an access token
        return "TdsMessage[type=0x" + Integer.toHexString(type) + ", status=0x" + Integer.toHexString(status)
                + ", length=" + payload.length + "]";
    }
}
