package io.github.azuremi.jdbc.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The launcher: {@code java -jar target/benchmarks.jar [--smoke] [JMH options] [benchmark regexps]}.
 *
 * <p>azure-identity (MSAL4J) finds the managed-identity endpoint through the environment variables
 * {@code IDENTITY_ENDPOINT} and {@code IDENTITY_HEADER}, read with {@code System.getenv}: JMH's
 * {@code jvmArgsAppend} cannot set them. So this picks a free loopback port, sets both variables for a child
 * JVM that runs JMH, and JMH's forked JVMs inherit them; inside each fork the benchmark state starts the
 * local endpoint on that port (forks run one after the other, so one port serves them all).
 *
 * <ul>
 *   <li>no option: the full suite with the parameters in the annotations, results in
 *   {@code target/jmh/results.json}, then {@link Report} writes {@code target/jmh/results.md};</li>
 *   <li>{@code --smoke}: every benchmark once, briefly ({@code -f 1 -wi 0 -i 1 -r 1s}): proves that they
 *   run, measures nothing; exits non-zero if any benchmark fails ({@code -foe true}).</li>
 * </ul>
 * Other arguments go to JMH unchanged (and override the presets), e.g. a regexp that selects benchmarks.
 */
public final class Bench {

  /** Where the stampede benchmark appends its endpoint request counts (one line per invocation). */
  public static final String SIDECAR_ENV = "MI_BENCH_SIDECAR";

  private Bench() {}

  public static void main(String[] args) throws Exception {
    boolean smoke = false;
    List<String> user = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--smoke")) {
        smoke = true;
      } else {
        user.add(arg);
      }
    }
    Path out = Path.of("target", "jmh");
    Files.createDirectories(out);
    Path json = out.resolve(smoke ? "smoke.json" : "results.json");
    Path sidecar = out.resolve(smoke ? "smoke-stampede.tsv" : "stampede.tsv");
    Files.deleteIfExists(sidecar);

    List<String> jmh = new ArrayList<>();
    // the smoke fails on the first broken benchmark; a full run goes on past one that failed (this machine
    // is shared: other work restarts its database now and then), and the report lists what is missing
    preset(jmh, user, "-foe", smoke ? "true" : "false");
    preset(jmh, user, "-rf", "json");
    preset(jmh, user, "-rff", json.toString());
    if (smoke) {
      preset(jmh, user, "-f", "1");
      preset(jmh, user, "-wi", "0");
      preset(jmh, user, "-i", "1");
      preset(jmh, user, "-r", "1s");
    }
    jmh.addAll(user);

    int port = freeLoopbackPort();
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("org.openjdk.jmh.Main");
    command.addAll(jmh);

    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    Map<String, String> env = builder.environment();
    env.put("IDENTITY_ENDPOINT", "http://127.0.0.1:" + port + "/msi/token");
    env.put("IDENTITY_HEADER", "bench-" + UUID.randomUUID());
    env.put(SIDECAR_ENV, sidecar.toAbsolutePath().toString());
    // A legacy managed-identity source would ignore the endpoint above.
    env.remove("MSI_ENDPOINT");
    env.remove("MSI_SECRET");
    env.remove("IDENTITY_SERVER_THUMBPRINT");
    env.remove("IMDS_ENDPOINT");
    System.out.println("# managed-identity endpoint for the forks: http://127.0.0.1:" + port + "/msi/token");
    System.out.println("# JMH " + String.join(" ", jmh));

    int exit = builder.start().waitFor();
    if (exit != 0) {
      System.err.println("JMH failed (exit " + exit + ")");
      System.exit(exit);
    }
    if (smoke) {
      // one JSON entry per benchmark (and parameter set) that ran to the end
      int ran = Files.exists(json) ? new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).size() : 0;
      if (ran == 0) {
        System.err.println("JMH ran no benchmark");
        System.exit(1);
      }
      System.out.println("benchmarks: " + ran + " passed, 0 failed");
      return;
    }
    if (Files.exists(json)) {
      Path md = out.resolve("results.md");
      String table = Report.render(json, sidecar);
      Files.writeString(md, table);
      System.out.println();
      System.out.println(table);
      System.out.println("# written: " + json + ", " + md);
    }
  }

  private static void preset(List<String> jmh, List<String> user, String option, String value) {
    if (!user.contains(option)) {
      jmh.add(option);
      jmh.add(value);
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }
}
