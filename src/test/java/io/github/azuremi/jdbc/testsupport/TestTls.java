package io.github.azuremi.jdbc.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test CA that {@code .ci/run} makes and gives the local PostgreSQL and MariaDB (their certificate names
 * localhost, 127.0.0.1 and ::1): its PEM file for pgjdbc's {@code sslrootcert} and a PKCS12 trust store holding
 * only it for Connector/J. Nothing secret: the CA key is deleted once the server certificate is signed.
 */
public final class TestTls {

    public static final String CA_FILE_ENV = "MIDS_TEST_TLS_CA_FILE";
    public static final String TRUSTSTORE_ENV = "MIDS_TEST_TLS_TRUSTSTORE";
    public static final String TRUSTSTORE_PASSWORD_ENV = "MIDS_TEST_TLS_TRUSTSTORE_PASSWORD";

    private TestTls() {}

    public static String caFile() {
        return existing(CA_FILE_ENV);
    }

    public static String trustStore() {
        return existing(TRUSTSTORE_ENV);
    }

    public static String trustStorePassword() {
        String v = System.getenv(TRUSTSTORE_PASSWORD_ENV);
        if (v == null) {
            throw missing(TRUSTSTORE_PASSWORD_ENV);
        }
        return v;
    }

    private static String existing(String env) {
        String v = System.getenv(env);
        if (v == null || v.isBlank() || !Files.isReadable(Path.of(v))) {
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
