package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The hot path serves by the wall clock, and a key's tenant reaches the credential. */
class HotPathAndTenantTest {

  private static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final FakeTime time = new FakeTime();
  private final ManualTimer timer = new ManualTimer(time);
  private final List<TokenLease> leases = new ArrayList<>();
  private final List<String> tenants = new CopyOnWriteArrayList<>();
  private final AtomicLong wallOffsetNanos = new AtomicLong();
  /** The fake clocks, with a wall clock that can be stepped back (an NTP correction). */
  private final TimeSource clock = new TimeSource() {
    @Override
    public long read() {
      return time.read();
    }

    @Override
    public Instant instant() {
      return time.instant().plusNanos(wallOffsetNanos.get());
    }
  };
  private final TokenCredential credential = new TokenCredential() {
    private int n;

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
      return Mono.fromCallable(() -> getTokenSync(request));
    }

    @Override
    public synchronized AccessToken getTokenSync(TokenRequestContext request) {
      tenants.add(String.valueOf(request.getTenantId()));
      return new AccessToken("t-" + ++n, OffsetDateTime.ofInstant(clock.instant().plus(Duration.ofHours(24)),
          ZoneOffset.UTC));
    }
  };
  private final TokenRegistry registry = new TokenRegistry(clock, timer, Runnable::run, () -> 0.0);

  @AfterEach
  void tearDown() {
    leases.forEach(TokenLease::close);
  }

  private TokenLease lease(String tenant) {
    TokenLease lease = registry.register(new TokenKey(CredentialSource.of(credential), SCOPE, tenant),
        TokenSettings.DEFAULTS, null);
    leases.add(lease);
    return lease;
  }

  @Test
  void aKeysTenantIsAskedForAndAKeyWithoutTenantAsksForNone() {
    lease("tenant-a").acquire(WAIT);
    lease(null).acquire(WAIT);
    assertThat(tenants).containsExactly("tenant-a", "null");
  }

  @Test
  void theHotPathJudgesTheRefreshPointByTheWallClock() {
    TokenLease lease = lease(null);
    CachedToken token = lease.acquire(WAIT);
    // 12 h pass on the ticker, but the wall clock was stepped back by as much: by the wall clock (the
    // server's) the token is as fresh as when it came
    time.advance(Duration.ofHours(12));
    wallOffsetNanos.set(-Duration.ofHours(12).toNanos());

    assertThat(lease.acquire(WAIT).accessToken()).isEqualTo(token.accessToken());
    assertThat(tenants).as("no refresh was started").hasSize(1);
  }
}
