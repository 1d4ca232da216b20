package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * What {@link SqlServerTokenDriver} reports when mssql-jdbc's login fails: a failure of the library's callback keeps
 * the library's message (which says what to fix) however mssql-jdbc wrapped it; mssql-jdbc's own failures pass
 * unchanged. The wrapped forms are built here as mssql-jdbc throws them, since a live login cannot choose them.
 */
class SqlServerLoginFailureMessageTest {

    private static final String OURS = "SqlServerAccessTokenCallback - Could not get an access token within 500 ms";

    private static RuntimeException callbackFailure() {
        SqlServerAccessTokenCallback.Failure why = new SqlServerAccessTokenCallback.Failure(OURS, null);
        return new IllegalStateException(why.getMessage(), why);
    }

    @Test
    void aCallbackFailureWrappedInMssqlJdbcsSqlException_hasTheLibrarysMessageAndMssqlJdbcsState() {
        SQLException wrapped = new SQLException(
                "Failed to authenticate the user in Active Directory",
                "S0001",
                new RuntimeException("callback failed", callbackFailure()));

        SQLException reported = SqlServerTokenLogin.withTheLibrarysMessage(wrapped);

        assertThat(reported.getMessage()).isEqualTo(OURS);
        assertThat(reported.getSQLState()).isEqualTo("S0001");
        assertThat(reported.getCause()).isSameAs(wrapped);
    }

    @Test
    void aCallbackFailureThatEscapedUnwrapped_isAConnectionFailureWithTheLibrarysMessage() {
        RuntimeException escaped = callbackFailure();

        SQLException reported = SqlServerTokenLogin.withTheLibrarysMessage(escaped);

        assertThat(reported.getMessage()).isEqualTo(OURS);
        assertThat(reported.getSQLState()).isEqualTo("08001");
        assertThat(reported.getCause()).isSameAs(escaped);
    }

    @Test
    void mssqlJdbcsOwnSqlExceptionIsPassedOnAsItIs() {
        SQLException own = new SQLException(
                "Login failed for user '<token-identified principal>'",
                "S0001",
                new IllegalStateException("not the library's"));

        assertThat((Throwable) SqlServerTokenLogin.withTheLibrarysMessage(own)).isSameAs(own);
    }

    @Test
    void anyOtherRuntimeFailureIsAConnectionFailureWithItsOwnMessage() {
        RuntimeException other = new IllegalStateException("mssql-jdbc's internal error");

        SQLException reported = SqlServerTokenLogin.withTheLibrarysMessage(other);

        assertThat(reported.getMessage()).isEqualTo("mssql-jdbc's internal error");
        assertThat(reported.getSQLState()).isEqualTo("08001");
        assertThat(reported.getCause()).isSameAs(other);
    }
}
