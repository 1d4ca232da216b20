import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The cold-start benchmark (issue 19): fresh JVMs, interleaved, from process start to the first query's result, an
 * application on this library against the same application with a static password, in one run. See the section
 * "Cold start" of benchmarks/README.md. Run by {@code benchmarks/coldstart/run.sh}; JDK only plus the PostgreSQL
 * driver (on the class path) for the set-up.
 *
 * <p>The identity endpoint (App Service protocol) runs here, in the launcher's JVM, and answers after the chosen
 * latency with one fixed token, as the real one hands out its cached token; that token is the PostgreSQL password of
 * role cs_token_<apps> (VALID UNTIL its expiry), so the server checks it. Role cs_static_<apps> has a static password of the same
 * length. Both are members of mi_token_users, which pg_hba.conf makes log in with a password (checked first).
 */
public final class ColdStart {

  record Run(String variant, long latencyMs, long startedMs, long firstQueryMs, long httpMs, long tokenRequestMs) {}

  static final SecureRandom RANDOM = new SecureRandom();
  static final String HEADER = "coldstart-" + Long.toHexString(RANDOM.nextLong());
  static volatile long latencyMs = 400;
  static volatile long spawnNanos;
  static final AtomicInteger requests = new AtomicInteger();
  static String roleSuffix = "";
  static volatile long firstRequestNanos;

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1); // the local identity endpoint's threads would otherwise keep this JVM, and .ci/run, waiting
    }
    System.exit(0);
  }

  static void run(String[] args) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--smoke")) { opt.put("smoke", "true"); continue; }
      opt.put(a.replaceFirst("^--", ""), args[++i]);
    }
    boolean smoke = opt.containsKey("smoke");
    int runs = Integer.parseInt(opt.getOrDefault("runs", smoke ? "1" : "10"));
    List<Long> latencies = List.of(opt.getOrDefault("latencies", "400").split(",")).stream()
        .map(Long::parseLong).collect(Collectors.toList());
    List<String> apps = List.of(opt.getOrDefault("apps", "plain,spring").split(","));
    String here = opt.getOrDefault("dir", ".");
    Map<String, String> libraries = new LinkedHashMap<>();
    libraries.put("library", opt.getOrDefault("library-jar", here + "/../../target/managed-identity-datasource-0.1.0-SNAPSHOT.jar"));
    if (opt.containsKey("baseline-jar")) {
      libraries.put("library-before", opt.get("baseline-jar"));
    }
    String java = ProcessHandle.current().info().command().orElse("java");

    String adminUrl = System.getenv().getOrDefault("MIDS_TEST_POSTGRES_ADMIN_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    String jdbcUrl = adminUrl.replaceAll("[?&]user=[^&]*", "").replaceAll("[?&]password=[^&]*", "");
    // roles of their own per application set, so that runs for different applications may share the server
    roleSuffix = "_" + String.join("_", apps);
    String token = token();
    String staticPassword = randomText(token.length());
    prepare(adminUrl, jdbcUrl, token, staticPassword);

    HttpServer endpoint = endpoint(token);
    String identityEndpoint = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/msi/token";
    System.out.printf("cold start: %d run(s) per variant, endpoint latency %s ms, apps %s, libraries %s%n",
        runs, latencies, apps, libraries);

    List<Run> results = new ArrayList<>();
    for (long latency : latencies) {
      latencyMs = latency;
      for (String app : apps) {
        List<String> variants = new ArrayList<>();
        variants.add("static");
        variants.addAll(libraries.keySet());
        for (int r = 0; r < runs; r++) {
          for (int v = 0; v < variants.size(); v++) {
            String variant = variants.get((v + r) % variants.size()); // interleaved, the order rotating
            String library = libraries.getOrDefault(variant, libraries.get("library"));
            Run run = runOnce(java, here, app, variant, library, latency, identityEndpoint, jdbcUrl, staticPassword);
            results.add(run);
            System.out.printf("  %-6s %-14s latency %4d ms: started %5s, first query %5d ms, http %5s, token request at %5s%n",
                app, variant, latency, run.startedMs < 0 ? "-" : run.startedMs + " ms", run.firstQueryMs,
                run.httpMs < 0 ? "-" : run.httpMs + " ms", run.tokenRequestMs < 0 ? "-" : run.tokenRequestMs + " ms");
          }
        }
        report(app, latency, variants, results);
      }
    }
    endpoint.stop(0);
  }

  static Run runOnce(String java, String here, String app, String variant, String library, long latency,
      String identityEndpoint, String jdbcUrl, String staticPassword) throws Exception {
    boolean spring = app.equals("spring");
    String dir = here + (spring ? "/spring-boot/target" : "/plain/target");
    String cp = dir + "/classes" + File.pathSeparator + classPath(dir + "/lib", library);
    List<String> command = new ArrayList<>(List.of(java, "-cp", cp));
    int port = spring ? freePort() : -1;
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("IDENTITY_ENDPOINT", identityEndpoint);
    env.put("IDENTITY_HEADER", HEADER);
    boolean ours = !variant.equals("static");
    if (spring) {
      command.add("coldstart.Application");
      command.add("--server.port=" + port);
      env.put("SPRING_DATASOURCE_URL", jdbcUrl);
      env.put("SPRING_DATASOURCE_USERNAME", (ours ? "cs_token" : "cs_static") + roleSuffix);
      if (ours) {
        env.put("SPRING_DATASOURCE_AZUREMANAGEDIDENTITY_ENABLED", "true");
      } else {
        env.put("SPRING_DATASOURCE_PASSWORD", staticPassword);
      }
    } else {
      command.add("coldstart.Main");
      command.add(ours ? "library" : "static");
      env.put("CS_JDBC_URL", jdbcUrl);
      env.put("CS_USER", (ours ? "cs_token" : "cs_static") + roleSuffix);
      if (!ours) {
        env.put("CS_PASSWORD", staticPassword);
      }
    }
    pb.command(command);
    // the application's own directory: from the repository root, Spring Boot would also read ./config/*/ (the
    // repository's config/spring/application.yml turns the library on), and the static run would not be static
    pb.directory(new File(dir));
    firstRequestNanos = 0;
    int requestsBefore = requests.get();
    long t0 = System.nanoTime();
    spawnNanos = t0;
    Process p = pb.start();
    long started = -1, firstQuery = -1, http = -1;
    List<String> output = new ArrayList<>();
    CompletableFuture<Long> httpDone = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        long now = System.nanoTime();
        output.add(line);
        if (spring && started < 0 && line.contains("Started Application in")) {
          started = ms(now - t0);
          httpDone = CompletableFuture.supplyAsync(() -> httpGet(port, t0));
        }
        if (firstQuery < 0 && line.contains("COLDSTART first-query")) {
          firstQuery = ms(now - t0);
        }
        if (spring && started >= 0 && firstQuery >= 0) {
          http = httpDone.get(60, TimeUnit.SECONDS);
          break;
        }
      }
    } finally {
      if (spring) {
        p.destroy();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (firstQuery < 0 || (spring && (started < 0 || http < 0)) || (!spring && p.exitValue() != 0)) {
      throw new IllegalStateException(app + " " + variant + " did not reach its first query; its output:\n  "
          + String.join("\n  ", output.subList(Math.max(0, output.size() - 40), output.size())));
    }
    if (ours && requests.get() == requestsBefore) {
      throw new IllegalStateException(app + " " + variant + " logged in without asking the identity endpoint");
    }
    long tokenRequest = ours && firstRequestNanos != 0 ? ms(firstRequestNanos - t0) : -1;
    return new Run(variant, latency, started, firstQuery, http, tokenRequest);
  }

  static long httpGet(int port, long t0) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/owners/count")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET /owners/count answered " + response.statusCode());
      }
      return ms(System.nanoTime() - t0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void report(String app, long latency, List<String> variants, List<Run> all) {
    System.out.printf("%n%s, endpoint latency %d ms (median, min-max of the runs; JVM start = process spawn)%n", app, latency);
    Map<String, long[]> firstQuery = new LinkedHashMap<>();
    Map<String, long[]> started = new LinkedHashMap<>();
    Map<String, long[]> http = new LinkedHashMap<>();
    Map<String, long[]> tokenRequest = new LinkedHashMap<>();
    for (String v : variants) {
      List<Run> runs = all.stream().filter(r -> r.variant.equals(v) && r.latencyMs == latency && (app.equals("spring") == (r.startedMs >= 0))).toList();
      firstQuery.put(v, runs.stream().mapToLong(Run::firstQueryMs).sorted().toArray());
      started.put(v, runs.stream().mapToLong(Run::startedMs).sorted().toArray());
      http.put(v, runs.stream().mapToLong(Run::httpMs).sorted().toArray());
      tokenRequest.put(v, runs.stream().mapToLong(Run::tokenRequestMs).sorted().toArray());
    }
    System.out.println("| variant | runs | to \"Started\" | to first query | to first HTTP answer | token request reached the endpoint at |");
    System.out.println("|---|---|---|---|---|---|");
    for (String v : variants) {
      System.out.printf("| %s | %d | %s | %s | %s | %s |%n", v, firstQuery.get(v).length, cell(started.get(v)),
          cell(firstQuery.get(v)), cell(http.get(v)), cell(tokenRequest.get(v)));
    }
    long staticFirst = median(firstQuery.get("static"));
    for (String v : variants) {
      if (v.equals("static")) continue;
      long first = median(firstQuery.get(v));
      System.out.printf("%s / static: first query %.3f", v, first / (double) staticFirst);
      if (app.equals("spring")) {
        System.out.printf(", Started %.3f, first HTTP answer %.3f", median(started.get(v)) / (double) median(started.get("static")),
            median(http.get(v)) / (double) median(http.get("static")));
      }
      System.out.printf("; first query beyond static + endpoint latency: %d ms%n", first - staticFirst - latency);
    }
    System.out.println();
  }

  static String cell(long[] sorted) {
    if (sorted.length == 0 || sorted[0] < 0) return "-";
    return median(sorted) + " ms (" + sorted[0] + "-" + sorted[sorted.length - 1] + ")";
  }

  static long median(long[] sorted) {
    int n = sorted.length;
    return n == 0 ? -1 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  static String classPath(String libDir, String library) {
    File[] jars = new File(libDir).listFiles((d, n) -> n.endsWith(".jar") && !n.startsWith("managed-identity-datasource"));
    if (jars == null) {
      throw new IllegalStateException(libDir + " is missing: run benchmarks/coldstart/run.sh (it builds the applications)");
    }
    if (!new File(library).isFile()) {
      throw new IllegalStateException("library jar " + library + " is missing: mvn -DskipTests install at the root first");
    }
    List<String> cp = new ArrayList<>();
    cp.add(library);
    for (File jar : jars) cp.add(jar.getPath());
    return String.join(File.pathSeparator, cp);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A JWT-shaped token with a managed identity's claims, unsigned: the database only compares it. */
  static String token() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long exp = Instant.now().plus(1, ChronoUnit.DAYS).getEpochSecond();
    String claims = "{\"aud\":\"https://ossrdbms-aad.database.windows.net\",\"iss\":\"https://sts.windows.net/72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d/\","
        + "\"appid\":\"5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c\",\"oid\":\"" + java.util.UUID.randomUUID() + "\",\"exp\":" + exp
        + ",\"xms_mirid\":\"/subscriptions/0/resourcegroups/cold/providers/Microsoft.Web/sites/start\",\"pad\":\"" + randomText(900) + "\"}";
    return b64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + randomText(342);
  }

  static String randomText(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    return sb.toString();
  }

  static HttpServer endpoint(String token) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newCachedThreadPool(r -> { Thread t = new Thread(r, "endpoint"); t.setDaemon(true); return t; }));
    long expiresOn = Instant.now().plus(1, ChronoUnit.DAYS).getEpochSecond();
    server.createContext("/msi/token", exchange -> {
      long arrived = System.nanoTime();
      if (firstRequestNanos == 0) firstRequestNanos = arrived;
      requests.incrementAndGet();
      try {
        String query = exchange.getRequestURI().getQuery();
        if (!HEADER.equals(exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER")) || query == null
            || !query.contains("api-version=2019-08-01")) {
          exchange.sendResponseHeaders(400, -1);
          return;
        }
        Thread.sleep(latencyMs);
        String resource = query.replaceAll(".*resource=([^&]*).*", "$1");
        byte[] body = ("{\"access_token\":\"" + token + "\",\"expires_on\":\"" + expiresOn + "\",\"resource\":\""
            + java.net.URLDecoder.decode(resource, StandardCharsets.UTF_8) + "\",\"token_type\":\"Bearer\",\"client_id\":\"5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c\"}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    });
    server.start();
    return server;
  }

  /** Roles, the table, the passwords (the token for cs_token); and a check that a wrong password is refused. */
  static void prepare(String adminUrl, String jdbcUrl, String token, String staticPassword) throws SQLException {
    try (Connection admin = DriverManager.getConnection(adminUrl); Statement sql = admin.createStatement()) {
      for (String role : List.of("mi_token_users", "cs_static" + roleSuffix, "cs_token" + roleSuffix)) {
        boolean group = role.equals("mi_token_users");
        sql.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE "
            + role + (group ? " NOLOGIN" : " LOGIN") + "; END IF; END $$");
        if (!group) sql.execute("GRANT mi_token_users TO " + role);
      }
      sql.execute("GRANT CONNECT ON DATABASE \"" + admin.getCatalog() + "\" TO mi_token_users");
      // a schema of its own: the library's tests use the same database, and Flyway there wants "public" empty
      sql.execute("CREATE SCHEMA IF NOT EXISTS coldstart");
      sql.execute("CREATE TABLE IF NOT EXISTS coldstart.cs_owner (id bigint PRIMARY KEY, name text)");
      sql.execute("GRANT USAGE ON SCHEMA coldstart TO mi_token_users");
      sql.execute("GRANT SELECT, INSERT ON coldstart.cs_owner TO mi_token_users");
      String validUntil = Instant.now().plus(2, ChronoUnit.DAYS).toString();
      setPassword(admin, "cs_token" + roleSuffix, token, validUntil);
      setPassword(admin, "cs_static" + roleSuffix, staticPassword, validUntil);
    }
    try (Connection ignored = DriverManager.getConnection(jdbcUrl, "cs_token" + roleSuffix, "wrong-" + randomText(20))) {
      throw new IllegalStateException("PostgreSQL let cs_token" + roleSuffix + " in with a wrong password: pg_hba.conf must send "
          + "+mi_token_users to scram-sha-256 above the trust lines (.ci/run does)");
    } catch (SQLException e) {
      if (!"28P01".equals(e.getSQLState())) throw e;
    }
  }

  static void setPassword(Connection admin, String role, String password, String validUntil) throws SQLException {
    // a SCRAM verifier computed here: neither the token nor the password is ever SQL text (or in a server log)
    String verifier = org.postgresql.util.PasswordUtil.encodeScramSha256(password.toCharArray());
    try (Statement sql = admin.createStatement()) {
      sql.execute("ALTER ROLE " + role + " PASSWORD '" + verifier + "' VALID UNTIL '" + validUntil + "'");
    }
  }
}
