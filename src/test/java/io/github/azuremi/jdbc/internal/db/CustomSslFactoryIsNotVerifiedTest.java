package io.github.azuremi.jdbc.internal.db;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.postgresql.ssl.WrappedFactory;

/**
 * Review of issue 16 row 9: the fix refuses an {@code sslhostnameverifier} of one's own because it is "a class this
 * library cannot judge", but an {@code sslfactory} of one's own replaces the other half of verify-full, the
 * certificate chain check (pgjdbc checks only the host name on the socket the factory gives it), and is still taken
 * for verified TLS unless it is pgjdbc's NonValidatingFactory. {@link TrustsEveryCertificate} is the usual copy of
 * NonValidatingFactory under another name: with it anyone who puts the server's name in a self-signed certificate
 * poses as the server and reads the token.
 */
class CustomSslFactoryIsNotVerifiedTest {

    /** A factory of the application's own that accepts every certificate. */
    public static final class TrustsEveryCertificate extends WrappedFactory {
        public TrustsEveryCertificate() throws GeneralSecurityException {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            @Override
                            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public X509Certificate[] getAcceptedIssuers() {
                                return new X509Certificate[0];
                            }
                        }
                    },
                    null);
            factory = context.getSocketFactory();
        }
    }

    @Test
    void anSslFactoryOfOnesOwnIsNotTakenForVerifiedTls() {
        String url = "jdbc:postgresql://srv.postgres.database.azure.com:5432/app?sslmode=verify-full&sslfactory="
                + TrustsEveryCertificate.class.getName();
        assertThatThrownBy(() -> Dialect.POSTGRESQL.target(url, new Properties(), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sslfactory=" + TrustsEveryCertificate.class.getName());
    }
}
