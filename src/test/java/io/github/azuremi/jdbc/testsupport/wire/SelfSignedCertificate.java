package io.github.azuremi.jdbc.testsupport.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate made at test time by the JDK's keytool, for the right host name and address of a
 * fake server: what a man in the middle can always produce. A client that verifies the server refuses it; one
 * that only encrypts accepts it.
 */
public final class SelfSignedCertificate {

    private static final ConcurrentHashMap<String, SSLContext> CONTEXTS = new ConcurrentHashMap<>();

    private SelfSignedCertificate() {}

    /** A server-side SSLContext whose certificate names {@code ip} and {@code dns}. */
    public static SSLContext serverContext(String ip, String dns) {
        return CONTEXTS.computeIfAbsent(ip + "/" + dns, k -> create(ip, dns));
    }

    private static SSLContext create(String ip, String dns) {
        try {
            Path dir = Files.createTempDirectory("mids-mitm");
            Path store = dir.resolve("mitm.p12");
            String keytool =
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process p = new ProcessBuilder(
                            keytool,
                            "-genkeypair",
                            "-alias",
                            "mitm",
                            "-keyalg",
                            "RSA",
                            "-keysize",
                            "2048",
                            "-dname",
                            "CN=" + dns,
                            "-ext",
                            "SAN=ip:" + ip + ",dns:" + dns,
                            "-validity",
                            "2",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            store.toString(),
                            "-storepass",
                            "changeit",
                            "-keypass",
                            "changeit")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | InterruptedException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a self-signed certificate", e);
        }
    }
}
