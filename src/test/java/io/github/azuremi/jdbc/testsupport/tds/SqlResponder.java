package io.github.azuremi.jdbc.testsupport.tds;

import io.github.azuremi.jdbc.testsupport.tds.TokenWriter.Column;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Answers SQL batches and sp_executesql. The fake knows a handful of statements: the validation query ({@code SELECT 1}, also what
 * mssql-jdbc's {@code isValid} runs), {@code SELECT SUSER_SNAME()} (the principal the token identified) and
 * {@code SELECT DB_NAME()}, sent as a SQL batch or through {@code sp_executesql}. Session settings and transaction control that drivers and pools send on their own
 * ({@code SET ...}, {@code IF @@TRANCOUNT > 0 COMMIT/ROLLBACK TRAN}, {@code BEGIN/COMMIT/ROLLBACK}) succeed with an
 * empty DONE. Anything else gets error 50000 so that a test using more SQL than the fake knows fails loudly.
 */
final class SqlResponder {

    static final int NOT_SUPPORTED_NUMBER = 50000;

    private static final Pattern ACCEPTED_WITHOUT_RESULT =
            Pattern.compile("^(set\\s|if\\s+@@trancount|begin\\s+tran|commit|rollback).*", Pattern.DOTALL);
    private static final Pattern SELECT_ONE = Pattern.compile("^select\\s+1(\\s+as\\s+\\w+)?$");

    private final String serverName;

    SqlResponder(String serverName) {
        this.serverName = serverName;
    }

    /** The SQL text of a SQL batch payload: skip ALL_HEADERS (its first DWORD is its total length), then UTF-16LE. */
    static String sqlText(byte[] payload) {
        int headers = payload.length >= 4 ? TdsBytes.u32(payload, 0) : 0;
        if (headers < 4 || headers > payload.length) {
            headers = 0; // no ALL_HEADERS (pre-7.2 clients): the whole payload is text
        }
        return TdsBytes.ucs2(payload, headers, (payload.length - headers) / 2);
    }

    static String normalize(String sql) {
        String s = sql.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        while (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    /** The answer to a SQL batch: the statement's tokens ending in DONE. */
    byte[] respond(String sql, String principal, String database) {
        return render(answer(sql, principal, database), false);
    }

    /**
     * The answer to an RPC request: {@code sp_executesql} runs its statement as a batch would, with the tokens SQL
     * Server sends for a procedure (DONEINPROC, RETURNSTATUS 0, DONEPROC); other procedures get error 50000.
     */
    byte[] respondToRpc(RpcRequest rpc, String principal, String database) {
        if (rpc.procId() != Tds.PROCID_SP_EXECUTESQL || rpc.statement() == null) {
            return render(
                    new Outcome(
                            null,
                            null,
                            "FakeTdsServer supports only sp_executesql among RPC requests"
                                    + " (a PreparedStatement's first execution); got procedure id " + rpc.procId()),
                    true);
        }
        return render(answer(rpc.statement(), principal, database), true);
    }

    /** What a statement produces: one row of one column, nothing, or an error message. */
    private record Outcome(Column column, Object value, String error) {}

    private Outcome answer(String sql, String principal, String database) {
        String s = normalize(sql);
        if (SELECT_ONE.matcher(s).matches()) {
            return new Outcome(Column.int4(alias(sql)), 1, null);
        }
        if (s.matches("^select\\s+suser_sname\\(\\s*\\)(\\s+as\\s+\\w+)?$")) {
            return new Outcome(Column.nvarchar(alias(sql), 128), principal, null);
        }
        if (s.matches("^select\\s+db_name\\(\\s*\\)(\\s+as\\s+\\w+)?$")) {
            return new Outcome(Column.nvarchar(alias(sql), 128), database, null);
        }
        if (ACCEPTED_WITHOUT_RESULT.matcher(s).matches()) {
            return new Outcome(null, null, null);
        }
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return new Outcome(null, null, "FakeTdsServer does not support this statement: " + shown);
    }

    private byte[] render(Outcome outcome, boolean inProcedure) {
        TokenWriter w = new TokenWriter();
        int doneToken = inProcedure ? Tds.TOKEN_DONEINPROC : Tds.TOKEN_DONE;
        int more = inProcedure ? Tds.DONE_MORE : 0;
        if (outcome.error() != null) {
            w.error(NOT_SUPPORTED_NUMBER, 1, 16, outcome.error(), serverName)
                    .done(doneToken, Tds.DONE_ERROR | more, 0, 0);
        } else if (outcome.column() != null) {
            w.columnMetadata(outcome.column())
                    .row(outcome.column(), outcome.value())
                    .done(doneToken, Tds.DONE_COUNT | more, Tds.CURCMD_SELECT, 1);
        } else {
            w.done(doneToken, more, 0, 0);
        }
        if (inProcedure) {
            w.returnStatus(outcome.error() == null ? 0 : 1).done(Tds.TOKEN_DONEPROC, Tds.DONE_FINAL, 0, 0);
        }
        return w.toByteArray();
    }

    /** The column name: the {@code AS alias} if given, else empty, as SQL Server names an expression column. */
    private static String alias(String sql) {
        java.util.regex.Matcher m =
                Pattern.compile("(?i)\\sas\\s+(\\w+)\\s*;?\\s*$").matcher(sql.strip());
        return m.find() ? m.group(1) : "";
    }
}
