package io.github.azuremi.jdbc.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test CA of the tests' servers: its PEM file for pgjdbc's {@code sslrootcert} and a PKCS12 trust store holding
 * only it for Connector/J. The machine's PostgreSQL and MariaDB use the one {@code .ci/run} makes (their certificate
 * names localhost, 127.0.0.1 and ::1), named by {@value #CA_FILE_ENV}, {@value #TRUSTSTORE_ENV} and
 * {@value #TRUSTSTORE_PASSWORD_ENV}. The embedded servers ({@link TestDatabases}' last resort) use one this JVM makes
 * ({@link EmbeddedTls}): then these methods name it, together with the variables' CA when those are set too (one
 * kind of server from an admin URL, the other embedded). Nothing secret: the CA keys are deleted once the server
 * certificates are signed.
 */
public final class TestTls {

    public static final String CA_FILE_ENV = "MIDS_TEST_TLS_CA_FILE";
    public static final String TRUSTSTORE_ENV = "MIDS_TEST_TLS_TRUSTSTORE";
    public static final String TRUSTSTORE_PASSWORD_ENV = "MIDS_TEST_TLS_TRUSTSTORE_PASSWORD";

    private TestTls() {}

    public static String caFile() {
        if (TestDatabases.embeddedServersInUse()) {
            return embedded().caFile.toString();
        }
        return existing(CA_FILE_ENV);
    }

    public static String trustStore() {
        if (TestDatabases.embeddedServersInUse()) {
            return embedded().trustStore.toString();
        }
        return existing(TRUSTSTORE_ENV);
    }

    public static String trustStorePassword() {
        if (TestDatabases.embeddedServersInUse()) {
            return EmbeddedTls.TRUSTSTORE_PASSWORD;
        }
        String v = System.getenv(TRUSTSTORE_PASSWORD_ENV);
        if (v == null) {
            throw missing(TRUSTSTORE_PASSWORD_ENV);
        }
        return v;
    }

    /** The embedded servers' CA, and the variables' one too when they name it. */
    private static EmbeddedTls embedded() {
        String ca = System.getenv(CA_FILE_ENV);
        String store = System.getenv(TRUSTSTORE_ENV);
        String password = System.getenv(TRUSTSTORE_PASSWORD_ENV);
        if (isReadable(ca) && isReadable(store) && password != null) {
            return EmbeddedTls.trustingAlso(Path.of(ca), Path.of(store), password);
        }
        return EmbeddedTls.material();
    }

    private static boolean isReadable(String file) {
        return file != null && !file.isBlank() && Files.isReadable(Path.of(file));
    }

    private static String existing(String env) {
        String v = System.getenv(env);
        if (!isReadable(v)) {
            throw missing(env);
        }
        return v;
    }

    private static IllegalStateException missing(String env) {
        return new IllegalStateException(env + " is not set (or names no readable file): the end-to-end tests log in "
                + "with verified TLS using the test CA that .ci/run makes and installs in the local PostgreSQL and MariaDB. "
                + "Run MIDS_CI_PREPARE_ONLY=1 .ci/run as root, then export " + CA_FILE_ENV
                + "=/var/lib/mids-test-tls/ca.crt "
                + TRUSTSTORE_ENV + "=/var/lib/mids-test-tls/truststore.p12 " + TRUSTSTORE_PASSWORD_ENV
                + "=mids-test-truststore");
    }
}
