package io.github.azuremi.jdbc.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the embedded servers keep their data: {@code target/embedded-db/<name>-<pid>/}, one directory per test JVM
 * (surefire's, failsafe's and a second build's never share one). Directories of JVMs that are gone (killed before
 * their shutdown hooks ran) are deleted when the next one is made.
 */
final class EmbeddedDirs {

    static final Path ROOT = Path.of("target", "embedded-db").toAbsolutePath();

    private EmbeddedDirs() {}

    /**
     * Where the servers' binaries are unpacked, once per user and version: {@code <java.io.tmpdir>/mids-embedded-<user>/
     * <name>}, kept across builds (and {@code mvn clean}) so that only the first run pays for it.
     */
    static Path binaries(String name) {
        return Path.of(System.getProperty("java.io.tmpdir"), "mids-embedded-" + System.getProperty("user.name"))
                .resolve(name);
    }

    /** A new, empty {@code target/embedded-db/<name>-<pid>}. */
    static Path ofThisJvm(String name) {
        try {
            Files.createDirectories(ROOT);
            try (Stream<Path> entries = Files.list(ROOT)) {
                for (Path stale : entries.filter(p -> isOfAnEndedJvm(p, name)).toList()) {
                    deleteTree(stale);
                }
            }
            Path dir = ROOT.resolve(name + "-" + ProcessHandle.current().pid());
            deleteTree(dir);
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare a directory for the embedded servers in " + ROOT, e);
        }
    }

    private static boolean isOfAnEndedJvm(Path dir, String name) {
        String file = dir.getFileName().toString();
        if (!file.startsWith(name + "-")) {
            return false;
        }
        try {
            long pid = Long.parseLong(file.substring(name.length() + 1));
            return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
