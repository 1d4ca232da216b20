package io.github.azuremi.jdbc.bench.support;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The local managed-identity endpoint of this JVM (the library's test fixture), on the port that
 * {@code IDENTITY_ENDPOINT} names: azure-identity (MSAL4J) reads that variable with {@code System.getenv},
 * so the launcher ({@link io.github.azuremi.jdbc.bench.Bench}) sets it for JMH and its forks.
 *
 * <p>It also keeps the set of tokens the endpoint issued and their expiry, which {@link BenchDriver} checks
 * the way Azure does: any unexpired token the identity platform issued is accepted.
 */
public final class Endpoints {

  /** The scope of Azure Database for PostgreSQL / MySQL: what the library derives from a jdbc:postgresql: URL. */
  public static final String OSSRDBMS_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

  private static final Map<String, Instant> ISSUED = new ConcurrentHashMap<>();

  static {
    // The JDK's HttpServer writes the headers and the body of an answer separately; without TCP_NODELAY,
    // Nagle's algorithm holds the body until the client's delayed ACK (40 ms on Linux), and every token
    // request would take 40 ms more than the latency a benchmark injects. Real endpoints do not do that.
    // Read once, when the HttpServer classes initialise: this runs before the endpoint starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private Endpoints() {}

  /** The JVM-wide endpoint, started on first use. */
  public static LocalManagedIdentityEndpoint endpoint() {
    String env = System.getenv(LocalManagedIdentityEndpoint.IDENTITY_ENDPOINT_ENV);
    if (env == null || env.isBlank()) {
      throw new IllegalStateException("IDENTITY_ENDPOINT is not set: start the benchmarks through the launcher "
          + "(java -jar target/benchmarks.jar ...), which picks a free port and sets IDENTITY_ENDPOINT and "
          + "IDENTITY_HEADER for JMH and its forked JVMs (MSAL4J reads them with System.getenv).");
    }
    return LocalManagedIdentityEndpoint.shared();
  }

  /**
   * Resets the endpoint and configures it: {@code lifetime} of the tokens it issues, {@code latency} before
   * every answer. Tokens it issues from now on are recorded for {@link #isCurrentToken}; {@code alsoOnIssue}
   * (may be null) runs on the request thread before the answer is written.
   */
  public static LocalManagedIdentityEndpoint prepare(Duration lifetime, Duration latency,
                                                     Consumer<IssuedToken> alsoOnIssue) {
    LocalManagedIdentityEndpoint endpoint = endpoint();
    endpoint.reset();
    endpoint.setTokenLifetime(lifetime);
    endpoint.setLatency(latency);
    endpoint.onIssue(token -> ISSUED.put(token.accessToken(), token.expiresOn()));
    if (alsoOnIssue != null) {
      endpoint.onIssue(alsoOnIssue);
    }
    return endpoint;
  }

  /** Whether the endpoint issued this token and it has not expired: what Azure's database servers check. */
  public static boolean isCurrentToken(String token) {
    if (token == null) {
      return false;
    }
    Instant expiresOn = ISSUED.get(token);
    return expiresOn != null && Instant.now().isBefore(expiresOn);
  }

  /** Forgets expired tokens (the registry would otherwise grow over a long fresh-token run). */
  public static void forgetExpired() {
    Instant now = Instant.now();
    ISSUED.values().removeIf(expiresOn -> !now.isBefore(expiresOn));
  }

  /** A scope nobody asked for before in this JVM: MSAL4J's token cache (JVM-wide) has nothing for it. */
  public static String unusedScope(String tag) {
    return "https://" + tag + "-" + Long.toHexString(System.nanoTime()) + ".bench.invalid/.default";
  }

  /** Waits (at most {@code max}) until the endpoint has answered {@code count} requests; true if it did. */
  public static boolean awaitRequests(LocalManagedIdentityEndpoint endpoint, int count, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    while (endpoint.requestCount() < count) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
