package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.TokenListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The token tests' rig: a {@link TokenRegistry} on a fake clock ({@link FakeTime}), a timer the test runs by hand
 * ({@link ManualTimer}) and a scripted credential ({@link FakeCredential}), the leases the test takes, and the
 * clean-up after each test. A test class holds one per test instance, as
 * {@code @RegisterExtension final TokenRig rig = new TokenRig();}, and a test reads like
 * {@code rig.lease().acquire(WAIT)} then {@code assertThat(rig.credential().requests()).isEqualTo(1)}.
 *
 * <p>Defaults: token requests run on the calling thread (deterministic), jitter samples are 0, the key is the
 * fake credential with {@link #SCOPE} and no tenant, settings are {@link TokenSettings#DEFAULTS}. A test that
 * needs another part says so before it first uses the registry ({@link #fetchOnThreads()}, {@link #fetchExecutor},
 * {@link #refreshTimer}, {@link #clock}); the registry is built on first use.
 *
 * <p>After each test the rig releases a blocked credential, closes every lease it handed out and stops its
 * threads; then it fails the test if a registry it built still has a key (a lease was taken around the rig and
 * never closed), if a refresh or fetch timeout is still on the hand-run timer once every lease closed (closing
 * the last lease must stop a token's work), or if one of its threads does not stop.
 */
public final class TokenRig implements AfterEachCallback {

    /** The scope of the default key (Azure Database for PostgreSQL and MySQL). */
    public static final String SCOPE = "https://ossrdbms-aad.database.windows.net/.default";
    /** How long the tests' callers wait for a token: long enough never to be what ends a passing test. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    private final FakeTime time = new FakeTime();
    private final ManualTimer timer = new ManualTimer(time);
    private final FakeCredential credential = new FakeCredential(time);
    private final List<TokenLease> leases = new ArrayList<>();
    private final List<TokenRegistry> registries = new ArrayList<>();
    private ExecutorService threads;
    private TimeSource clock = time;
    private RefreshTimer refreshTimer = timer;
    private FetchExecutor fetchExecutor = Runnable::run;
    private TokenRegistry registry;

    // the parts --------------------------------------------------------------------------------------------

    /** Both clocks of the registry (unless {@link #clock} replaced them) and of the fake credential. */
    public FakeTime time() {
        return time;
    }

    /** The hand-run timer; the registry's unless {@link #refreshTimer} replaced it (a wrapper may delegate to it). */
    public ManualTimer timer() {
        return timer;
    }

    /** The scripted credential behind {@link #key()}. */
    public FakeCredential credential() {
        return credential;
    }

    /** Threads for the test's own concurrent callers (and for requests after {@link #fetchOnThreads()}). */
    public synchronized ExecutorService threads() {
        if (threads == null) {
            threads = Executors.newCachedThreadPool();
        }
        return threads;
    }

    // what the registry is built from (before its first use) ---------------------------------------------

    /** Token requests run on {@link #threads()}, as with the library's fetch executor, not on the caller's thread. */
    public TokenRig fetchOnThreads() {
        return fetchExecutor(task -> threads().execute(task));
    }

    public TokenRig fetchExecutor(FetchExecutor executor) {
        checkNotBuilt();
        this.fetchExecutor = Objects.requireNonNull(executor);
        return this;
    }

    public TokenRig refreshTimer(RefreshTimer timer) {
        checkNotBuilt();
        this.refreshTimer = Objects.requireNonNull(timer);
        return this;
    }

    /** Another view of the clocks for the registry (the fake credential keeps issuing by {@link #time()}). */
    public TokenRig clock(TimeSource clock) {
        checkNotBuilt();
        this.clock = Objects.requireNonNull(clock);
        return this;
    }

    private void checkNotBuilt() {
        if (registry != null) {
            throw new IllegalStateException("configure the rig before the test first uses its registry");
        }
    }

    // registry, keys, leases -------------------------------------------------------------------------------

    /** The registry of this test, built on first use with jitter samples of 0. */
    public synchronized TokenRegistry registry() {
        if (registry == null) {
            registry = newRegistry(() -> 0.0);
        }
        return registry;
    }

    /** One more registry on the same parts, with its own jitter samples; checked after the test like the first. */
    public synchronized TokenRegistry newRegistry(DoubleSupplier random) {
        TokenRegistry r = new TokenRegistry(clock, refreshTimer, fetchExecutor, random);
        registries.add(r);
        return r;
    }

    /** The fake credential, {@link #SCOPE}, no tenant. */
    public TokenKey key() {
        return key(credential);
    }

    /** {@code credential} (identified by the instance), {@link #SCOPE}, no tenant. */
    public TokenKey key(TokenCredential credential) {
        return new TokenKey(CredentialSource.of(credential), SCOPE, null);
    }

    /** A lease of {@link #key()} with the default settings and no listener. */
    public TokenLease lease() {
        return lease(key(), TokenSettings.DEFAULTS, null);
    }

    public TokenLease lease(TokenSettings settings) {
        return lease(key(), settings, null);
    }

    /** A lease of {@code key} on {@link #registry()}; closed after the test if the test did not close it. */
    public TokenLease lease(TokenKey key, TokenSettings settings, TokenListener listener) {
        return lease(registry(), key, settings, listener);
    }

    /** A lease on another registry of this rig ({@link #newRegistry}); closed after the test too. */
    public synchronized TokenLease lease(
            TokenRegistry on, TokenKey key, TokenSettings settings, TokenListener listener) {
        TokenLease lease = on.register(key, settings, listener);
        leases.add(lease);
        return lease;
    }

    // helpers ----------------------------------------------------------------------------------------------

    /** Waits (real time, at most 5 s) until {@code condition} holds: for threads the test does not step itself. */
    public static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(5);
        }
    }

    // clean-up ---------------------------------------------------------------------------------------------

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<TokenLease> open;
        List<TokenRegistry> built;
        ExecutorService pool;
        synchronized (this) {
            open = List.copyOf(leases);
            built = List.copyOf(registries);
            pool = threads;
        }
        credential.release(); // a request still blocked at the credential ends now
        open.forEach(TokenLease::close);
        if (pool != null) {
            pool.shutdownNow();
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new AssertionError("the test's threads did not stop within 5 s of the test's end");
            }
        }
        for (TokenRegistry r : built) {
            if (r.keyCount() != 0) {
                throw new AssertionError(r.keyCount() + " key(s) still registered after the test: a lease taken "
                        + "around the rig was never closed");
            }
        }
        if (timer.liveTasks() != 0) {
            throw new AssertionError(timer.liveTasks() + " task(s) left on the timer after every lease closed: "
                    + "closing a token's last lease must cancel its refresh and fetch timeout");
        }
    }
}
