package io.github.azuremi.jdbc.testsupport.tds;

/**
 * The TDS numbers the fake server uses. Names and values follow MS-TDS and mssql-jdbc's {@code TDS} class
 * (IOBuffer.java) so that a reader can look each one up there.
 */
final class Tds {

    private Tds() {}

    // packet header
    static final int HEADER_SIZE = 8;
    static final int STATUS_EOM = 0x01;
    static final int STATUS_ATTENTION_IGNORE = 0x02;
    static final int STATUS_RESET_CONNECTION = 0x08;

    // packet (message) types
    static final int PKT_SQL_BATCH = 0x01;
    static final int PKT_RPC = 0x03;
    static final int PKT_REPLY = 0x04;
    static final int PKT_ATTENTION = 0x06;
    static final int PKT_FEDAUTH_TOKEN = 0x08;
    static final int PKT_TRANSACTION_MANAGER = 0x0E;
    static final int PKT_LOGIN7 = 0x10;
    static final int PKT_PRELOGIN = 0x12;

    /** First byte of a TLS handshake record: a client that starts with it speaks TDS 8 (encrypt=strict). */
    static final int TLS_HANDSHAKE_RECORD = 0x16;

    /** Packet size the driver accepts before the login response tells it another one (TDS.INITIAL_PACKET_SIZE). */
    static final int INITIAL_PACKET_SIZE = 4096;

    static final int MIN_PACKET_SIZE = 512;
    static final int MAX_PACKET_SIZE = 32767;

    // PRELOGIN options
    static final int PL_VERSION = 0x00;
    static final int PL_ENCRYPTION = 0x01;
    static final int PL_INSTOPT = 0x02;
    static final int PL_THREADID = 0x03;
    static final int PL_MARS = 0x04;
    static final int PL_TRACEID = 0x05;
    static final int PL_FEDAUTHREQUIRED = 0x06;
    static final int PL_TERMINATOR = 0xFF;

    // PRELOGIN encryption levels
    static final int ENCRYPT_OFF = 0x00;
    static final int ENCRYPT_ON = 0x01;
    static final int ENCRYPT_NOT_SUP = 0x02;
    static final int ENCRYPT_REQ = 0x03;

    // TDS versions (LOGIN7 and LOGINACK)
    static final int VER_TDS74 = 0x74000004;
    static final int VER_TDS80 = 0x08000000;

    // LOGIN7 feature extensions
    static final int FEATURE_SESSION_RECOVERY = 0x01;
    static final int FEATURE_FEDAUTH = 0x02;
    static final int FEATURE_TERMINATOR = 0xFF;
    static final int FEDAUTH_LIBRARY_SECURITY_TOKEN = 0x01;
    static final int FEDAUTH_LIBRARY_ADAL = 0x02;

    // FEDAUTHINFO option ids
    static final int FEDAUTHINFO_STSURL = 0x01;
    static final int FEDAUTHINFO_SPN = 0x02;

    // tokens
    static final int TOKEN_COLMETADATA = 0x81;
    static final int TOKEN_ERROR = 0xAA;
    static final int TOKEN_INFO = 0xAB;
    static final int TOKEN_LOGINACK = 0xAD;
    static final int TOKEN_FEATUREEXTACK = 0xAE;
    static final int TOKEN_ROW = 0xD1;
    static final int TOKEN_ENVCHANGE = 0xE3;
    static final int TOKEN_FEDAUTHINFO = 0xEE;
    static final int TOKEN_DONE = 0xFD;
    static final int TOKEN_DONEPROC = 0xFE;
    static final int TOKEN_DONEINPROC = 0xFF;
    static final int TOKEN_RETURNSTATUS = 0x79;

    // RPC
    static final int PROCID_SP_EXECUTESQL = 10;

    // ENVCHANGE types
    static final int ENV_DATABASE = 1;
    static final int ENV_LANGUAGE = 2;
    static final int ENV_PACKET_SIZE = 4;
    static final int ENV_SQL_COLLATION = 7;

    // DONE status bits and current-command values
    static final int DONE_FINAL = 0x0000;
    static final int DONE_MORE = 0x0001;
    static final int DONE_ERROR = 0x0002;
    static final int DONE_COUNT = 0x0010;
    static final int DONE_ATTN = 0x0020;
    static final int CURCMD_SELECT = 0xC1;

    // data types
    static final int TYPE_INT4 = 0x38;
    static final int TYPE_NVARCHAR = 0xE7;

    /** SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, flags 0xD0 (CI, AI-kana, AI-width), sort id 52. */
    static final byte[] COLLATION_SQL_LATIN1_CI_AS = {0x09, 0x04, (byte) 0xD0, 0x00, 0x34};

    /** The message SQL Server sends (error 18456) when it refuses an Entra ID token. */
    static final String TOKEN_LOGIN_FAILED = "Login failed for user '<token-identified principal>'.";

    static final int LOGIN_FAILED_NUMBER = 18456;
}
