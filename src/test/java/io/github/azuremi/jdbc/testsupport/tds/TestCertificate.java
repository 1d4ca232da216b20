package io.github.azuremi.jdbc.testsupport.tds;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The fake server's self-signed certificate: {@code src/test/resources/tds/fake-tds-server.p12}, CN=localhost,
 * SAN dns:localhost and ip:127.0.0.1, RSA 2048, valid for 100 years (made with {@code keytool -genkeypair}; a test
 * key, trusted by nothing but these tests).
 *
 * <p>The driver takes trust material as file paths, so the certificate (PEM, for {@code serverCertificate=} under
 * encrypt=strict) and the keystore (for {@code trustStore=}) are copied once per JVM to a temporary directory.
 */
final class TestCertificate {

    static final String RESOURCE = "/tds/fake-tds-server.p12";
    static final String ALIAS = "fake-tds-server";
    static final String PASSWORD = "changeit";
    static final String HOST_NAME = "localhost";

    private static volatile TestCertificate instance;

    private final SSLContext sslContext;
    private final Path pemFile;
    private final Path trustStoreFile;

    private TestCertificate() throws IOException, GeneralSecurityException {
        byte[] p12;
        try (InputStream in = TestCertificate.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("test resource " + RESOURCE + " missing");
            }
            p12 = in.readAllBytes();
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(new java.io.ByteArrayInputStream(p12), PASSWORD.toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, PASSWORD.toCharArray());
        sslContext = SSLContext.getInstance("TLS");
        sslContext.init(kmf.getKeyManagers(), null, null);

        Path dir = Files.createTempDirectory("fake-tds-server");
        dir.toFile().deleteOnExit();
        X509Certificate cert = (X509Certificate) keyStore.getCertificate(ALIAS);
        pemFile = dir.resolve("fake-tds-server.pem");
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        Files.writeString(pemFile, pem, StandardCharsets.US_ASCII);
        pemFile.toFile().deleteOnExit();
        trustStoreFile = dir.resolve("fake-tds-server.p12");
        Files.write(trustStoreFile, p12);
        trustStoreFile.toFile().deleteOnExit();
    }

    static TestCertificate get() {
        TestCertificate c = instance;
        if (c == null) {
            synchronized (TestCertificate.class) {
                c = instance;
                if (c == null) {
                    try {
                        c = new TestCertificate();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("cannot load " + RESOURCE, e);
                    }
                    instance = c;
                }
            }
        }
        return c;
    }

    SSLContext sslContext() {
        return sslContext;
    }

    /** The certificate as a PEM file: the value for mssql-jdbc's {@code serverCertificate}. */
    Path pemFile() {
        return pemFile;
    }

    /** The PKCS12 keystore as a file: a value for mssql-jdbc's {@code trustStore} (type PKCS12). */
    Path trustStoreFile() {
        return trustStoreFile;
    }
}
