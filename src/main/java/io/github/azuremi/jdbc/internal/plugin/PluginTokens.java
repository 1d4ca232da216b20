package io.github.azuremi.jdbc.internal.plugin;

import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The driver plugins' use of the process-wide token registry: one {@link TokenLease} per identity, scope and
 * settings, shared by every connection any driver opens with them, and by every {@code ManagedIdentityDataSource}
 * of the same identity and scope (they register the same {@link TokenKey} in the same {@link TokenRegistry}).
 *
 * <p>A driver never tells its plugin that a pool closed, so a lease is not closed by its users: it is released
 * after {@link #IDLE_RELEASE} without a login, which stops its background refreshes (and, with the last one, the
 * library's threads). The next login registers again and waits for one token request.
 *
 * <p>Thread-safe. {@link #acquire} takes no lock of its own on the hot path (a {@code ConcurrentHashMap} read
 * and a volatile write); a lease is registered at most once per key (inside {@code computeIfAbsent}, which calls
 * only the registry's own map). A login that races the idle release of its lease registers a new one.
 */
public final class PluginTokens {

  private static final Logger LOG = LoggerFactory.getLogger(PluginTokens.class);
  /** Long enough that pools which open a connection now and then (Hikari's maxLifetime is 30 min) stay warm. */
  public static final Duration IDLE_RELEASE = Duration.ofHours(1);

  private static final class Shared {
    static final PluginTokens INSTANCE = new PluginTokens(TokenRegistry.shared(), RefreshTimer.daemon(),
        System::nanoTime, IDLE_RELEASE, s -> CredentialFactory.source(s.credential(), s.clientId(), s.tenantId()));
  }

  private final TokenRegistry registry;
  private final RefreshTimer timer;
  private final LongSupplier nanoTime;
  private final long idleNanos;
  private final Function<PluginSettings, CredentialSource> credentials;
  private final ConcurrentMap<Key, Entry> entries = new ConcurrentHashMap<>();
  /** The key of settings + scope, built once (a credential description and a key per login cost microseconds). */
  private final KeyMemo keys = new KeyMemo();
  /** The idle sweep queued on the timer, or null; guarded by this (touched only on register, sweep and release). */
  private volatile Future<?> sweep;

  /**
   * @param registry where tokens live
   * @param timer    runs the idle sweep
   * @param nanoTime the clock of the idle sweep
   * @param idle        how long a lease stays without a login
   * @param credentials the credential that settings name (azure-identity's, built on first use)
   */
  public PluginTokens(TokenRegistry registry, RefreshTimer timer, LongSupplier nanoTime, Duration idle,
                      Function<PluginSettings, CredentialSource> credentials) {
    this.registry = Objects.requireNonNull(registry);
    this.timer = Objects.requireNonNull(timer);
    this.nanoTime = Objects.requireNonNull(nanoTime);
    this.idleNanos = idle.toNanos();
    this.credentials = Objects.requireNonNull(credentials);
  }

  /** The instance the drivers' plugins use. */
  public static PluginTokens shared() {
    return Shared.INSTANCE;
  }

  /**
   * A token for {@code settings}' identity and {@code scope}, usable now; waits for the single request in flight
   * at most {@code timeout} (the first token of a lease: up to the fetch timeout).
   *
   * @param what how the plugin describes itself in the one log line per new lease ("pgjdbc plugin")
   * @throws io.github.azuremi.jdbc.TokenUnavailableException when no token can be had in time
   */
  public CachedToken acquire(PluginSettings settings, String scope, Duration timeout, String what) {
    Key key = keys.get(settings, scope);
    if (key == null) {
      key = new Key(new TokenKey(credentials.apply(settings), scope, settings.tenantId()), settings.timings());
      keys.put(settings, scope, key);
    }
    for (int attempt = 0; ; attempt++) {
      Entry entry = entries.computeIfAbsent(key, k -> register(k, settings, what));
      entry.lastUsed = nanoTime.getAsLong();
      if (sweep == null) { // a volatile read per login; the lock only when a lease was just registered
        scheduleSweep();
      }
      try {
        return entry.lease.acquire(timeout);
      } catch (IllegalStateException released) { // the idle sweep closed it between our read and our acquire
        release(key, entry); // a no-op if the sweep removed it; never leaves an open lease unreachable
        if (attempt > 0) {
          throw released;
        }
      }
    }
  }

  private Entry register(Key key, PluginSettings settings, String what) {
    settings.warnings().forEach(w -> LOG.warn("{} - {}", what, w));
    TokenLease lease = registry.register(key.token, key.settings, null);
    ThreadHygiene.poolStarted();
    LOG.info("{} - login with access tokens from {} for scope {}", what, key.token.credential().description(),
        key.token.scope());
    return new Entry(lease, nanoTime.getAsLong());
  }

  private synchronized void scheduleSweep() {
    if (sweep == null && !entries.isEmpty()) {
      sweep = timer.schedule(this::sweep, Math.max(1, idleNanos / 4));
    }
  }

  /** Nothing held: the queued sweep goes, so that the timer's thread can end (a web application's class loader too). */
  private synchronized void stopSweepIfIdle() {
    if (entries.isEmpty() && sweep != null) {
      sweep.cancel(false);
      sweep = null;
      timer.idle();
    }
  }

  /** Releases the leases nobody logged in with for the idle time; runs on the timer while any lease is held. */
  void sweep() {
    long now = nanoTime.getAsLong();
    entries.forEach((key, entry) -> {
      if (now - entry.lastUsed >= idleNanos && release(key, entry)) {
        LOG.debug("{}: no login for {} s; token released and its refreshes stopped", key.token, idleNanos / 1_000_000_000L);
      }
    });
    synchronized (this) {
      sweep = null;
    }
    if (entries.isEmpty()) {
      timer.idle(); // this task is running, not queued: the timer may stop its thread
    } else {
      scheduleSweep();
    }
  }

  /**
   * Releases every lease now (their refreshes stop; the next login registers again). For tests, which must not
   * leave refreshes running into the next test, and for an application that knows it is done with the plugins.
   */
  public void releaseAll() {
    entries.forEach(this::release);
    stopSweepIfIdle();
  }

  /** Closes {@code entry}'s lease unless another thread removed or replaced it first; true if this one did. */
  private boolean release(Key key, Entry entry) {
    if (!entries.remove(key, entry)) {
      return false;
    }
    entry.lease.close();
    ThreadHygiene.poolClosed();
    return true;
  }

  /** How many leases are held; for tests and diagnostics. */
  public int leaseCount() {
    return entries.size();
  }

  private static final class Entry {
    final TokenLease lease;
    volatile long lastUsed;

    Entry(TokenLease lease, long lastUsed) {
      this.lease = lease;
      this.lastUsed = lastUsed;
    }
  }

  /** Identity + scope + timings (equals written out: see TokenSettings on JDK 17's record cache). */
  private static final class Key {
    final TokenKey token;
    final TokenSettings settings;

    Key(TokenKey token, TokenSettings settings) {
      this.token = token;
      this.settings = settings;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key other && token.equals(other.token) && settings.equals(other.settings);
    }

    @Override
    public int hashCode() {
      return 31 * token.hashCode() + settings.hashCode();
    }
  }

  /** Settings + scope -> key, bounded (settings are few; a bound, not an eviction policy). */
  private static final class KeyMemo {
    private final ConcurrentMap<PluginSettings, ConcurrentMap<String, Key>> bySettings = new ConcurrentHashMap<>();

    Key get(PluginSettings settings, String scope) {
      ConcurrentMap<String, Key> byScope = bySettings.get(settings);
      return byScope == null ? null : byScope.get(scope);
    }

    void put(PluginSettings settings, String scope, Key key) {
      if (bySettings.size() >= 256) {
        bySettings.clear();
      }
      bySettings.computeIfAbsent(settings, s -> new ConcurrentHashMap<>()).put(scope, key);
    }
  }
}
