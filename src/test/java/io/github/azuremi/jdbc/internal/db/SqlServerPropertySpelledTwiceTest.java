package io.github.azuremi.jdbc.internal.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.sqlserver.jdbc.SQLServerDriver;
import java.sql.DriverPropertyInfo;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * mssql-jdbc reads property names case-insensitively and the last of a name in the connection string wins. The driver
 * properties are appended to the URL in the order of their Hashtable, which changes when the login adds its timeouts:
 * {@code trustServerCertificate=false} and {@code trustservercertificate=true} were judged with "false" last (verified,
 * accepted) and logged in with "true" last (any certificate accepted), without allowUnverifiedTransport. Read with
 * mssql-jdbc's own parser; no network.
 */
class SqlServerPropertySpelledTwiceTest {

    private static final String URL = "jdbc:sqlserver://db.example.com:1433;databaseName=app";

    /** Eight harmless settings: the table size at which the two orders differ (found by trying every count). */
    private static Properties withTrustServerCertificateSpelledTwice() {
        Properties p = new Properties();
        p.setProperty("trustServerCertificate", "false");
        p.setProperty("trustservercertificate", "true");
        p.setProperty("applicationName", "app");
        p.setProperty("workstationID", "ws");
        p.setProperty("packetSize", "8000");
        p.setProperty("lockTimeout", "-1");
        p.setProperty("queryTimeout", "-1");
        p.setProperty("cancelQueryTimeout", "-1");
        p.setProperty("selectMethod", "direct");
        p.setProperty("responseBuffering", "adaptive");
        return p;
    }

    @Test
    void aPropertySpelledTwiceInOtherCases_isRefusedNamingBoth() {
        Properties props = withTrustServerCertificateSpelledTwice();
        assertThatThrownBy(() -> Dialect.SQLSERVER.target(URL, props, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustServerCertificate")
                .hasMessageContaining("trustservercertificate")
                .hasMessageContaining("case");
    }

    /** Whatever is accepted, the login's connection string means what was judged. */
    @Test
    void caseVariantDuplicate_wasJudgedVerifiedButLoggedInTrustingAnyCertificate() throws Exception {
        Properties props = withTrustServerCertificateSpelledTwice();
        Target target;
        try {
            target = Dialect.SQLSERVER.target(URL, props, false);
        } catch (IllegalArgumentException refused) {
            return; // refused before any token: the wanted outcome (asserted above)
        }
        String login = SqlServerDialect.connectionString(
                URL, Dialect.SQLSERVER.withLoginTimeout(target.driverProperties(), Duration.ofSeconds(30)));
        String trustAny = null;
        for (DriverPropertyInfo i : new SQLServerDriver().getPropertyInfo(login, new Properties())) {
            if (i.name.equalsIgnoreCase("trustServerCertificate")) {
                trustAny = i.value;
            }
        }
        assertThat(trustAny).as("trustServerCertificate at the login").isEqualToIgnoringCase("false");
    }

    @Test
    void oneSpellingInTheUrlAndAnotherInTheProperties_thePropertiesWinBothTimes() {
        Properties props = new Properties();
        props.setProperty("TRUSTSERVERCERTIFICATE", "true");
        assertThatThrownBy(() -> Dialect.SQLSERVER.target(URL + ";trustServerCertificate=false", props, false))
                .hasMessageContaining("trustServerCertificate=true");
    }
}
