package io.github.azuremi.jdbc.process;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Runs a Java program in a new JVM and collects what it printed. The child inherits this JVM's environment
 * (so MSAL in it finds the local managed-identity endpoint through IDENTITY_ENDPOINT/IDENTITY_HEADER, which
 * surefire and failsafe set) unless a test changes it.
 */
public final class ChildJvm {

    private final List<String> command = new ArrayList<>();
    private final ProcessBuilder builder = new ProcessBuilder();

    private ChildJvm(List<String> javaArgs) {
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast
        command.addAll(javaArgs);
    }

    /** {@code java -cp <classpath> mainClass args...}. */
    public static ChildJvm mainClass(List<String> classpath, String mainClass, String... args) {
        List<String> javaArgs = new ArrayList<>(List.of("-cp", String.join(File.pathSeparator, classpath), mainClass));
        javaArgs.addAll(Arrays.asList(args));
        return new ChildJvm(javaArgs);
    }

    /** {@code java -jar jar args...}. */
    public static ChildJvm jar(Path jar, String... args) {
        List<String> javaArgs = new ArrayList<>(List.of("-jar", jar.toString()));
        javaArgs.addAll(Arrays.asList(args));
        return new ChildJvm(javaArgs);
    }

    /**
     * The test classpath of this JVM, entry by entry, without those {@code exclude} matches. Surefire and failsafe
     * start tests through a manifest-only jar, so {@code java.class.path} is not it: they publish the real
     * one as {@code surefire.test.class.path}.
     */
    public static List<String> testClasspath(Predicate<String> exclude) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .filter(exclude.negate())
                .collect(Collectors.toList());
    }

    public Map<String, String> environment() {
        return builder.environment();
    }

    public Result run(Duration timeout) {
        builder.command(command).redirectErrorStream(false);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("child JVM did not end within " + timeout + ": " + command
                        + "\nstdout so far:\n" + out.getNow("") + "\nstderr so far:\n" + err.getNow(""));
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e + ">";
        }
    }

    /** What the child did. */
    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }
}
