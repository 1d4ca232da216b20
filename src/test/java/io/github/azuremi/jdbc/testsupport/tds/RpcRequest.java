package io.github.azuremi.jdbc.testsupport.tds;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The start of an RPC request (MS-TDS 2.2.6.6), enough to run {@code sp_executesql}: that is what mssql-jdbc sends
 * the first time a PreparedStatement executes (SQLServerPreparedStatement.buildExecSQLParams, with
 * enablePrepareOnFirstPreparedStatementCall=false, the default). Later executions of the same PreparedStatement use
 * sp_prepexec / sp_execute with a handle, which the fake does not implement.
 *
 * @param procId    the procedure id (0xFFFF marker followed by an id), or -1 if the request names a procedure
 * @param statement the first parameter as text when it is an NVARCHAR (the statement of sp_executesql), else null
 */
record RpcRequest(int procId, String statement) {

    static RpcRequest parse(byte[] p) throws IOException {
        try {
            int i = allHeadersLength(p);
            int nameLength = TdsBytes.u16(p, i);
            i += 2;
            int procId = -1;
            if (nameLength == 0xFFFF) {
                procId = TdsBytes.u16(p, i);
                i += 2;
            } else {
                i += nameLength * 2;
            }
            i += 2; // option flags
            // first parameter: name (B_VARCHAR), status byte, TYPE_INFO, value
            int paramName = p[i] & 0xFF;
            i += 1 + paramName * 2 + 1;
            int type = p[i++] & 0xFF;
            if (type != Tds.TYPE_NVARCHAR) {
                return new RpcRequest(procId, null);
            }
            int maxLength = TdsBytes.u16(p, i);
            i += 2 + 5; // max length, collation
            if (maxLength != 0xFFFF) {
                int length = TdsBytes.u16(p, i);
                i += 2;
                return new RpcRequest(
                        procId, length == 0xFFFF ? null : new String(p, i, length, StandardCharsets.UTF_16LE));
            }
            // PLP (nvarchar(max), statements over 4000 characters): 8-byte total length, then chunks up to a 0 chunk
            long total = TdsBytes.u32(p, i) & 0xFFFFFFFFL | (long) TdsBytes.u32(p, i + 4) << 32;
            i += 8;
            if (total == -1L) {
                return new RpcRequest(procId, null);
            }
            StringBuilder text = new StringBuilder();
            int chunk;
            while ((chunk = TdsBytes.u32(p, i)) != 0) {
                i += 4;
                text.append(new String(p, i, chunk, StandardCharsets.UTF_16LE));
                i += chunk;
            }
            return new RpcRequest(procId, text.toString());
        } catch (ArrayIndexOutOfBoundsException | StringIndexOutOfBoundsException e) {
            throw new IOException("malformed RPC request", e);
        }
    }

    private static int allHeadersLength(byte[] p) {
        int headers = p.length >= 4 ? TdsBytes.u32(p, 0) : 0;
        return headers >= 4 && headers <= p.length ? headers : 0;
    }
}
