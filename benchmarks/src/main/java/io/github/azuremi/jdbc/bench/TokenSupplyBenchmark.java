package io.github.azuremi.jdbc.bench;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.extensions.implementation.template.AzureAuthenticationTemplate;
import io.github.azuremi.jdbc.bench.support.Caches;
import io.github.azuremi.jdbc.bench.support.Endpoints;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * 1. Token supply on a cache hit: what each new physical connection pays to get its password when a valid
 * token is cached.
 * <ul>
 *   <li>{@code ours}: {@link TokenLease#acquire} on this library's Caffeine-backed {@link TokenRegistry}, the
 *   call TokenAuthenticatingDataSource makes for every login;</li>
 *   <li>{@code azureIdentity}: azure-identity's {@code ManagedIdentityCredential.getTokenSync}, answered
 *   from its own (MSAL4J) cache;</li>
 *   <li>{@code identityExtensions}: azure-identity-extensions' {@code AzureAuthenticationTemplate
 *   .getTokenAsPassword()}, the call its PostgreSQL/MySQL authentication plugins make for every login.</li>
 * </ul>
 * All three get their token from the same local managed-identity endpoint (24 h tokens, so nothing expires or
 * refreshes during the run); the teardown fails the run if any measured call reached the endpoint.
 *
 * <p>Warm-up is 5 s: azure-identity's path needs about that long to reach its steady speed.
 *
 * <p>Run alone: {@code java -jar target/benchmarks.jar TokenSupplyBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
@State(Scope.Benchmark)
public class TokenSupplyBenchmark {

  static final Duration TIMEOUT = Duration.ofSeconds(20);

  private LocalManagedIdentityEndpoint endpoint;
  private TokenLease lease;
  private TokenCredential credential;
  private TokenRequestContext request;
  private AzureAuthenticationTemplate template;
  private int requestsAfterWarmUp;

  @Setup(Level.Trial)
  public void setUp() {
    endpoint = Endpoints.prepare(Duration.ofHours(24), Duration.ZERO, null);
    credential = Caches.managedIdentityCredential();
    request = Caches.request(Endpoints.OSSRDBMS_SCOPE);

    TokenRegistry registry = Caches.newRegistry();
    lease = registry.register(new TokenKey(CredentialSource.of(credential), Endpoints.OSSRDBMS_SCOPE, null),
        TokenSettings.DEFAULTS, null);
    CachedToken first = lease.acquire(TIMEOUT); // the one request of our cache
    AccessToken direct = credential.getTokenSync(request); // same credential: MSAL's cache answers
    require(direct.getToken().equals(first.accessToken()), "azure-identity did not answer from its cache");

    Properties properties = new Properties();
    properties.setProperty("azure.managedIdentityEnabled", "true");
    properties.setProperty("azure.scopes", Endpoints.OSSRDBMS_SCOPE);
    template = new AzureAuthenticationTemplate();
    template.init(properties);
    require(template.getTokenAsPassword() != null, "AzureAuthenticationTemplate returned no token");

    requestsAfterWarmUp = endpoint.requestCount();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    int extra = endpoint.requestCount() - requestsAfterWarmUp;
    lease.close();
    require(extra == 0, extra + " request(s) reached the endpoint while measuring: that was not a cache hit");
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  private CachedToken ours() {
    return lease.acquire(TIMEOUT);
  }

  private AccessToken azureIdentity() {
    return credential.getTokenSync(request);
  }

  private String identityExtensions() {
    return template.getTokenAsPassword();
  }

  @Benchmark
  @Threads(1)
  public CachedToken ours_1thread() {
    return ours();
  }

  @Benchmark
  @Threads(8)
  public CachedToken ours_8threads() {
    return ours();
  }

  @Benchmark
  @Threads(1)
  public AccessToken azureIdentity_1thread() {
    return azureIdentity();
  }

  @Benchmark
  @Threads(8)
  public AccessToken azureIdentity_8threads() {
    return azureIdentity();
  }

  @Benchmark
  @Threads(1)
  public String identityExtensions_1thread() {
    return identityExtensions();
  }

  @Benchmark
  @Threads(8)
  public String identityExtensions_8threads() {
    return identityExtensions();
  }
}
