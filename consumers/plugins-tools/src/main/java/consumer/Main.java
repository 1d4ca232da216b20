package consumer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every URL-only path (DriverManager, Flyway, Liquibase, Tomcat JDBC pool, DBCP2) against each database, in one JVM,
 * across one token rotation of the local identity endpoint:
 *
 * <ol>
 *   <li>phase 1: each path logs in (the first token);
 *   <li>the endpoint's password rotation: its /stats counts the tokens minted; the plugins' shared cache refreshes
 *       at about half the token's life, and the endpoint then makes the new token the password (the old one stops
 *       working);
 *   <li>phase 2: each path logs in again, on new physical connections, so with the new token.
 * </ol>
 *
 * One JVM on purpose: all paths share the library's one token cache, so the endpoint mints one token per rotation
 * for all of them. Separate JVMs against one account would each refresh at their own (jittered) moment, and the
 * first refresh replaces the password that the others still present.
 *
 * <p>A warm-up login comes first (and again before phase 2 if the cache did not refresh ahead), whose refusal is
 * reported, not failed: the local endpoint turns a new token into the role's password when it mints it, and
 * PostgreSQL reads a role's SCRAM verifier before it asks the client for the password, so a login whose own token
 * request made the endpoint mint is checked against the previous password and refused. (run-plugins-tools.sh has the
 * endpoint mint the first token before this JVM starts, so the warm-up normally logs in.) Azure checks the token
 * itself and has no such window.
 *
 * <p>Prints {@code CONSUMER OK [tool/database] ...} per path that passed every check, {@code CONSUMER FAIL [...]}
 * otherwise; exits 0 only when all passed.
 */
public final class Main {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern ISSUED = Pattern.compile("\"issued\":(\\d+)");
  private static String statsUrl;

  public static void main(String[] args) throws Exception {
    statsUrl = System.getProperty("stats.url");
    long lifetime = Long.getLong("token.lifetime.seconds", 60);
    List<String> tools = args.length > 0 ? Arrays.asList(args) : Tools.ALL;
    List<Db> dbs = new ArrayList<>();
    for (String name : System.getProperty("dbs", "postgresql,mariadb").split(",")) {
      dbs.add(Db.fromSystemProperties(name.trim()));
    }
    for (Db db : dbs) {
      System.out.println("[" + db.name() + "] url: " + db.url() + " user: " + db.user() + " (no password)");
    }
    // path -> (tool, tally), grouped per tool: a tool's two databases run one after the other in one thread
    Map<String, List<Tools>> perTool = new LinkedHashMap<>();
    List<Tally> tallies = new ArrayList<>();
    for (String tool : tools) {
      for (Db db : dbs) {
        Tally tally = new Tally(tool, db);
        tallies.add(tally);
        perTool.computeIfAbsent(tool, t -> new ArrayList<>()).add(Tools.create(tool, db, tally));
      }
    }
    Instant start = Instant.now();
    warmUp(dbs, "first token");
    long minted0 = tokensMinted();
    ExecutorService threads = Executors.newFixedThreadPool(perTool.size());
    try {
      runPhase(threads, perTool, "before the rotation", p -> p.before());
      long minted1 = tokensMinted();
      System.out.println("phase 1 done in " + Duration.between(start, Instant.now()).toMillis() + " ms; tokens minted "
          + minted0 + " -> " + minted1 + "; waiting for the rotation (token lifetime " + lifetime + " s)");
      // The cache refreshes ahead, at about half the life (plus jitter), and must do so before expiry. A refresh
      // that reaches the endpoint a moment before the token's half-life gets the same token back (the endpoint, like App
      // Service, hands out the current token until then) and the cache tries again later: wait up to the expiry.
      Instant deadline = start.plusSeconds(lifetime + 5);
      while (tokensMinted() <= minted1 && Instant.now().isBefore(deadline)) {
        Thread.sleep(250);
      }
      long minted2 = tokensMinted();
      System.out.println("after " + Duration.between(start, Instant.now()).toMillis() + " ms: tokens minted " + minted2
          + (minted2 > minted1 ? " (rotated in the background, ahead of expiry)"
              : " - NO rotation within the token's lifetime: the cache did not refresh ahead; phase 2 asks for it"));
      if (minted2 == minted1) {
        warmUp(dbs, "refresh");
      }
      Instant rotated = Instant.now();
      // every connection opened before the rotation is now past the pools' 3 s maxAge/maxConnLifetime (Tomcat's
      // cleaner also reconnects expired idle ones in the background): phase 2 sees only logins made after it
      Thread.sleep(4_500);
      runPhase(threads, perTool, "after the rotation", p -> p.after(rotated));
    } finally {
      threads.shutdownNow();
      perTool.values().forEach(list -> list.forEach(Tools::close));
    }
    long minted = tokensMinted();
    int ok = 0;
    for (Tally t : tallies) {
      if (t.failure == null && t.afterRotation.isEmpty()) {
        t.failure = "no login after the rotation";
      }
      if (t.failure == null && t.issuedAtLastLogin - t.issuedAtFirstLogin < 1) {
        t.failure = "no token rotation between its first and last login (tokens minted " + t.issuedAtFirstLogin + " -> "
            + t.issuedAtLastLogin + ")";
      }
      if (t.failure == null) {
        ok++;
        System.out.println("CONSUMER OK [" + t.path + "] logins=" + t.logins() + " rotations-seen="
            + (t.issuedAtLastLogin - t.issuedAtFirstLogin) + " time=" + t.millis + "ms" + t.note);
      } else {
        System.out.println("CONSUMER FAIL [" + t.path + "] " + t.failure);
      }
    }
    System.out.println("plugins-tools: " + ok + " of " + tallies.size() + " paths passed in "
        + Duration.between(start, Instant.now()).toSeconds() + " s; the endpoint minted " + minted + " tokens for all of them"
        + " (one shared cache)");
    System.exit(ok == tallies.size() ? 0 : 1);
  }

  /** One DriverManager login per PostgreSQL database through its plugin; a refusal is reported, not failed. */
  private static void warmUp(List<Db> dbs, String why) {
    for (Db db : dbs) {
      if (!db.postgres()) {
        continue;
      }
      long before = tokensMinted();
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.urlWithUser(db.url()))) {
        System.out.println("warm-up (" + why + ") [" + db.name() + "]: logged in; tokens minted " + before + " -> " + tokensMinted());
      } catch (java.sql.SQLException e) {
        System.out.println("warm-up (" + why + ") [" + db.name() + "]: refused (" + e.getSQLState() + "); tokens minted " + before
            + " -> " + tokensMinted() + (tokensMinted() > before ? ": this login's own token request rotated the password" : ""));
      }
    }
  }

  private interface Step {
    void run(Tools path) throws Exception;
  }

  private static void runPhase(ExecutorService threads, Map<String, List<Tools>> perTool, String phase, Step step)
      throws InterruptedException {
    List<Callable<Void>> jobs = new ArrayList<>();
    for (List<Tools> paths : perTool.values()) {
      jobs.add(() -> {
        for (Tools p : paths) {
          if (p.tally.failure != null) {
            continue;
          }
          long t0 = System.nanoTime();
          try {
            step.run(p);
          } catch (Throwable e) {
            p.tally.failure = phase + ": " + describe(e);
          } finally {
            p.tally.millis += TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          }
        }
        return null;
      });
    }
    for (Future<Void> f : threads.invokeAll(jobs, 150, TimeUnit.SECONDS)) {
      if (f.isCancelled()) {
        perTool.values().forEach(list -> list.forEach(p -> {
          if (p.tally.failure == null && (phase.startsWith("after") ? p.tally.afterRotation : p.tally.beforeRotation).isEmpty()) {
            p.tally.failure = phase + ": timed out";
          }
        }));
      }
    }
  }

  /** The exception and its causes, one line (drivers' messages name users and states, never the password). */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 1500; t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(t.getClass().getName()).append(": ").append(t.getMessage());
      if (t instanceof java.sql.SQLException s) {
        sb.append(" [SQLState ").append(s.getSQLState()).append(", code ").append(s.getErrorCode()).append(']');
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return sb.toString().replace('\n', ' ');
  }

  /** The endpoint's count of tokens minted so far (GET /stats). */
  static long tokensMinted() {
    try {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create(statsUrl)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = ISSUED.matcher(body);
      if (!m.find()) {
        throw new IllegalStateException("no count in " + body);
      }
      return Long.parseLong(m.group(1));
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + statsUrl + ": " + e, e);
    }
  }
}
