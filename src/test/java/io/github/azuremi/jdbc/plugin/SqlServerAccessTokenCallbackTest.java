package io.github.azuremi.jdbc.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.microsoft.sqlserver.jdbc.SqlAuthenticationToken;
import io.github.azuremi.jdbc.internal.plugin.PluginTokens;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import java.lang.reflect.Field;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The callback as mssql-jdbc calls it: {@code (spn, stsUrl)} in, the token and its expiry out, or a failure. */
class SqlServerAccessTokenCallbackTest {

    private static final String SPN = "https://database.windows.net/";

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private String clientId;

    @BeforeEach
    void identity() {
        endpoint.reset();
        clientId = UUID.randomUUID().toString();
        System.setProperty("azuremi.credential", "managed-identity");
        System.setProperty("azuremi.managedIdentityClientId", clientId);
    }

    @AfterEach
    void clear() {
        PluginTokens.shared().releaseAll();
        System.clearProperty("azuremi.credential");
        System.clearProperty("azuremi.managedIdentityClientId");
        System.clearProperty("azuremi.allowUnverifiedTransport");
        endpoint.reset();
    }

    @Test
    void itHandsMssqlJdbcTheIdentitysTokenWithItsExpiry() {
        SqlAuthenticationToken token =
                new SqlServerAccessTokenCallback(true).getAccessToken(SPN, "https://sts.example");

        assertThat(endpoint.issuedTokens()).singleElement().satisfies(issued -> {
            assertThat(issued.clientId()).isEqualTo(clientId);
            assertThat(issued.resource()).isEqualTo("https://database.windows.net");
            assertThat(token.getAccessToken()).isEqualTo(issued.accessToken());
            assertThat(token.getExpiresOn().toInstant()).isEqualTo(issued.expiresOn());
        });
    }

    /** mssql-jdbc keeps only the cause of what a URL-named callback throws: the cause carries the same message. */
    @Test
    void aFailureCarriesTheLibrarysMessageInItselfAndInItsCause() {
        assertThatThrownBy(() -> new SqlServerAccessTokenCallback().getAccessToken(SPN, "https://sts.example"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("SqlServerAccessTokenCallback - no token is sent")
                .cause()
                .isInstanceOf(SqlServerAccessTokenCallback.Failure.class)
                .hasMessageStartingWith("SqlServerAccessTokenCallback - no token is sent")
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(endpoint.issuedCount()).isZero();
    }

    @Test
    void withTheOptInTheUrlNamedCallbackWarnsOnceThatItCannotCheckTheTransport() throws Exception {
        System.setProperty("azuremi.allowUnverifiedTransport", "true");
        Field warned = SqlServerAccessTokenCallback.class.getDeclaredField("WARNED");
        warned.setAccessible(true);
        ((AtomicBoolean) warned.get(null)).set(false); // once per JVM: as if this were the first
        Logger logger = (Logger) LoggerFactory.getLogger(SqlServerAccessTokenCallback.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            new SqlServerAccessTokenCallback().getAccessToken(SPN, "https://sts.example");
            assertThat(lines.list).as("at the first login").anyMatch(e -> e.getLevel() == Level.WARN);
            new SqlServerAccessTokenCallback().getAccessToken(SPN, "https://sts.example");
        } finally {
            logger.detachAppender(lines);
        }
        assertThat(lines.list)
                .filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .singleElement()
                .asString()
                .startsWith("SqlServerAccessTokenCallback - azuremi.allowUnverifiedTransport=true: the transport of "
                        + "logins through accessTokenCallbackClass is not checked")
                .endsWith("Prefer jdbc:azuremi:sqlserver:");
    }

    /** Checked by the driver, the transport needs no opt-in, and there is nothing to warn about. */
    @Test
    void theDriversCallbackNeedsNoOptIn_andDoesNotWarn() throws Exception {
        Field warned = SqlServerAccessTokenCallback.class.getDeclaredField("WARNED");
        warned.setAccessible(true);
        AtomicBoolean flag = (AtomicBoolean) warned.get(null);
        boolean before = flag.get();
        flag.set(false);
        try {
            assertThat(new SqlServerAccessTokenCallback(true)
                            .getAccessToken(SPN, "https://sts.example")
                            .getAccessToken())
                    .isNotEmpty();
            assertThat(flag).as("no warning was due").isFalse();
        } finally {
            flag.set(before);
        }
    }

    @Test
    void itIsNamedInLogsAndMessagesByItsSimpleName() {
        assertThat(new SqlServerAccessTokenCallback()).hasToString("SqlServerAccessTokenCallback");
        assertThat(new MysqlAuthenticationPlugin()).hasToString("MysqlAuthenticationPlugin");
        assertThat(new MysqlNativePasswordAuthenticationPlugin())
                .hasToString("MysqlNativePasswordAuthenticationPlugin");
    }
}
