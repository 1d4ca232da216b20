package io.github.azuremi.jdbc.testsupport.tds;

/**
 * Builds a server response: a stream of TDS tokens. Each method writes one token in the layout mssql-jdbc reads it
 * (the reader named in each comment).
 */
final class TokenWriter {

    private final TdsBytes out = new TdsBytes();

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** ENVCHANGE with B_VARCHAR new and old values (SQLServerConnection.processEnvChange). */
    TokenWriter envChange(int type, String newValue, String oldValue) {
        TdsBytes body = new TdsBytes().u8(type).bVarchar(newValue).bVarchar(oldValue);
        out.u8(Tds.TOKEN_ENVCHANGE).u16(body.size()).bytes(body.toByteArray());
        return this;
    }

    /** ENVCHANGE SQL collation: B_VARBYTE new value (5 bytes), empty old value. */
    TokenWriter envChangeCollation(byte[] collation) {
        TdsBytes body = new TdsBytes()
                .u8(Tds.ENV_SQL_COLLATION)
                .u8(collation.length)
                .bytes(collation)
                .u8(0);
        out.u8(Tds.TOKEN_ENVCHANGE).u16(body.size()).bytes(body.toByteArray());
        return this;
    }

    /** INFO: same layout as ERROR, severity 0..10; the driver turns it into a SQLWarning or ignores it. */
    TokenWriter info(int number, int state, int severity, String message, String serverName) {
        return message(Tds.TOKEN_INFO, number, state, severity, message, serverName);
    }

    /** ERROR (SQLServerError.setContentsFromTDS): number, state, class, message, server, procedure, line. */
    TokenWriter error(int number, int state, int severity, String message, String serverName) {
        return message(Tds.TOKEN_ERROR, number, state, severity, message, serverName);
    }

    private TokenWriter message(int token, int number, int state, int severity, String message, String serverName) {
        TdsBytes body = new TdsBytes()
                .u32(number)
                .u8(state)
                .u8(severity)
                .usVarchar(message)
                .bVarchar(serverName)
                .bVarchar("") // procedure name
                .u32(1); // line number
        out.u8(token).u16(body.size()).bytes(body.toByteArray());
        return this;
    }

    /** LOGINACK (StreamLoginAck.setFromTDS): interface, TDS version (big-endian), program name, program version. */
    TokenWriter loginAck(int tdsVersion, String programName, int major, int minor, int build) {
        TdsBytes body = new TdsBytes()
                .u8(1) // interface: SQL_TSQL
                .u32be(tdsVersion)
                .bVarchar(programName)
                .u8(major)
                .u8(minor)
                .u16be(build);
        out.u8(Tds.TOKEN_LOGINACK).u16(body.size()).bytes(body.toByteArray());
        return this;
    }

    /**
     * FEATUREEXTACK with one empty FEDAUTH entry (SQLServerConnection.onFeatureExtAck rejects data for the ADAL and
     * SECURITYTOKEN libraries). The other features the driver asks for (column encryption, data classification,
     * UTF-8, DNS caching, JSON, vector, session recovery) are optional for it: not acking them means "not supported".
     */
    TokenWriter featureExtAckFedAuth() {
        out.u8(Tds.TOKEN_FEATUREEXTACK).u8(Tds.FEATURE_FEDAUTH).u32(0).u8(Tds.FEATURE_TERMINATOR);
        return this;
    }

    /**
     * FEDAUTHINFO (SQLServerConnection.processFedAuthInfo): DWORD length, DWORD count, then per option id (1 byte),
     * data length (4) and data offset (4, counted from the count field), then the UTF-16LE data.
     */
    TokenWriter fedAuthInfo(String stsUrl, String spn) {
        byte[] sts = stsUrl.getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        byte[] spnBytes = spn.getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        int headerSize = 4 + 2 * 9;
        TdsBytes body = new TdsBytes()
                .u32(2)
                .u8(Tds.FEDAUTHINFO_STSURL)
                .u32(sts.length)
                .u32(headerSize)
                .u8(Tds.FEDAUTHINFO_SPN)
                .u32(spnBytes.length)
                .u32(headerSize + sts.length)
                .bytes(sts)
                .bytes(spnBytes);
        out.u8(Tds.TOKEN_FEDAUTHINFO).u32(body.size()).bytes(body.toByteArray());
        return this;
    }

    /** DONE (StreamDone.setFromTDS): status, current command, 8-byte row count. */
    TokenWriter done(int status, int currentCommand, long rowCount) {
        return done(Tds.TOKEN_DONE, status, currentCommand, rowCount);
    }

    /** DONE, DONEPROC (end of an RPC) or DONEINPROC (end of a statement inside an RPC): the same layout. */
    TokenWriter done(int token, int status, int currentCommand, long rowCount) {
        out.u8(token).u16(status).u16(currentCommand).u64(rowCount);
        return this;
    }

    /** RETURNSTATUS: the procedure's return value (StreamRetStatus). */
    TokenWriter returnStatus(int value) {
        out.u8(Tds.TOKEN_RETURNSTATUS).u32(value);
        return this;
    }

    /** COLMETADATA for one column (StreamColumns.setFromTDS, TypeInfo.getInstance). */
    TokenWriter columnMetadata(Column column) {
        out.u8(Tds.TOKEN_COLMETADATA).u16(1);
        out.u32(0); // user type
        out.u16(column.nullable() ? 0x0001 : 0x0000); // flags: nullable bit
        out.u8(column.type());
        if (column.type() == Tds.TYPE_NVARCHAR) {
            out.u16(column.maxBytes()).bytes(Tds.COLLATION_SQL_LATIN1_CI_AS);
        }
        out.bVarchar(column.name());
        return this;
    }

    /** ROW with one value of the column described before. */
    TokenWriter row(Column column, Object value) {
        out.u8(Tds.TOKEN_ROW);
        if (column.type() == Tds.TYPE_INT4) {
            out.u32((Integer) value);
        } else if (value == null) {
            out.u16(0xFFFF); // CHARBIN_NULL
        } else {
            byte[] text = ((String) value).getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
            out.u16(text.length).bytes(text);
        }
        return this;
    }

    /**
     * A result column the fake can produce.
     *
     * @param name     column name ("" for an unnamed expression, as SQL Server sends for {@code SELECT 1})
     * @param type     {@link Tds#TYPE_INT4} or {@link Tds#TYPE_NVARCHAR}
     * @param maxBytes for NVARCHAR: the maximum length in bytes (nvarchar(128) = 256)
     * @param nullable the nullable flag
     */
    record Column(String name, int type, int maxBytes, boolean nullable) {
        static Column int4(String name) {
            return new Column(name, Tds.TYPE_INT4, 4, false);
        }

        static Column nvarchar(String name, int maxChars) {
            return new Column(name, Tds.TYPE_NVARCHAR, maxChars * 2, true);
        }
    }
}
