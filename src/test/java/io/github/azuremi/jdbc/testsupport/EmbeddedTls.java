package io.github.azuremi.jdbc.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test CA of the embedded servers, made by this JVM with the JDK's keytool when the run provides none (no
 * {@code MIDS_TEST_TLS_*}): a CA and a server certificate for localhost, 127.0.0.1 and ::1 signed by it, as
 * {@code .ci/test-ca.sh} makes for the machine's servers. Files, in {@code target/embedded-db/tls-<pid>/}: {@code
 * ca.crt} (PEM, pgjdbc's {@code sslrootcert}), {@code truststore.p12} (only the CA, Connector/J's trust store),
 * {@code server.crt} and {@code server.key} (PEM, for the servers). Nothing secret: throw-away keys of one JVM.
 */
final class EmbeddedTls {

    static final String TRUSTSTORE_PASSWORD = "mids-test-truststore";
    private static final String CA = "ca";
    private static final String SERVER = "server";
    private static final String CA_ENTRY = "mids-embedded-test-ca";

    private static EmbeddedTls material;
    private static EmbeddedTls withOtherCa;

    final Path caFile;
    final Path trustStore;
    final Path serverCert;
    final Path serverKey;

    private EmbeddedTls(Path dir) {
        this(
                dir.resolve("ca.crt"),
                dir.resolve("truststore.p12"),
                dir.resolve("server.crt"),
                dir.resolve("server.key"));
    }

    private EmbeddedTls(Path caFile, Path trustStore, Path serverCert, Path serverKey) {
        this.caFile = caFile;
        this.trustStore = trustStore;
        this.serverCert = serverCert;
        this.serverKey = serverKey;
    }

    /** This JVM's material, made on first use. */
    static synchronized EmbeddedTls material() {
        if (material == null) {
            Path dir = EmbeddedDirs.ofThisJvm("tls");
            try {
                material = make(dir);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("could not make the embedded servers' test CA in " + dir + ": " + e, e);
            }
        }
        return material;
    }

    /**
     * This JVM's material with a CA file and trust store that also trust {@code otherCa} (the CA of servers named by
     * admin URLs, when only one kind is embedded). The trust store's password is {@link #TRUSTSTORE_PASSWORD}.
     */
    static synchronized EmbeddedTls trustingAlso(Path otherCa, Path otherTrustStore, String otherPassword) {
        if (withOtherCa == null) {
            EmbeddedTls own = material();
            Path dir = own.caFile.getParent();
            EmbeddedTls both = new EmbeddedTls(
                    dir.resolve("ca-and-other.crt"),
                    dir.resolve("truststore-and-other.p12"),
                    own.serverCert,
                    own.serverKey);
            try {
                Files.writeString(both.caFile, Files.readString(own.caFile) + Files.readString(otherCa));
                KeyStore store = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(otherTrustStore)) {
                    store.load(in, otherPassword.toCharArray());
                }
                store.setCertificateEntry(CA_ENTRY, load(own.trustStore).getCertificate(CA_ENTRY));
                try (OutputStream out = Files.newOutputStream(both.trustStore)) {
                    store.store(out, TRUSTSTORE_PASSWORD.toCharArray());
                }
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(
                        "could not add " + otherCa + " to the embedded servers' test CA: " + e, e);
            }
            withOtherCa = both;
        }
        return withOtherCa;
    }

    private static KeyStore load(Path p12) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, TRUSTSTORE_PASSWORD.toCharArray());
        }
        return store;
    }

    private static EmbeddedTls make(Path dir) throws IOException, GeneralSecurityException {
        EmbeddedTls tls = new EmbeddedTls(dir);
        Path keys = dir.resolve("keys.p12");
        keytool(
                "-genkeypair",
                "-alias",
                CA,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "30",
                "-dname",
                "CN=managed-identity-datasource embedded test CA",
                "-ext",
                "bc:c=ca:true",
                "-ext",
                "ku:c=keyCertSign,cRLSign",
                "-keystore",
                keys.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                TRUSTSTORE_PASSWORD);
        keytool(
                "-genkeypair",
                "-alias",
                SERVER,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "30",
                "-dname",
                "CN=localhost",
                "-signer",
                CA,
                "-ext",
                "san=dns:localhost,ip:127.0.0.1,ip:::1",
                "-ext",
                "bc=ca:false",
                "-ext",
                "ku=digitalSignature,keyEncipherment",
                "-ext",
                "eku=serverAuth",
                "-keystore",
                keys.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                TRUSTSTORE_PASSWORD);

        KeyStore store = load(keys);
        Certificate ca = store.getCertificate(CA);
        Files.writeString(tls.caFile, pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(
                tls.serverCert, pem("CERTIFICATE", store.getCertificate(SERVER).getEncoded()));
        Key key = store.getKey(SERVER, TRUSTSTORE_PASSWORD.toCharArray());
        // PostgreSQL refuses a key file that others can read
        Files.createFile(
                tls.serverKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tls.serverKey, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
        Files.delete(keys); // the CA key goes with it: nothing can be signed with this CA any more

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(CA_ENTRY, ca);
        try (OutputStream out = Files.newOutputStream(tls.trustStore)) {
            trust.store(out, TRUSTSTORE_PASSWORD.toCharArray());
        }
        return tls;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... args) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        } finally {
            process.destroy();
        }
    }
}
