package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.TokenUnavailableException;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.FakeCredential;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenRig;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Issue 16: releasing the plugins' leases (an undeploy, rows 3 and 5) and logging around a registration (row 9).
 * The timer, the clock and the credential are injected, so each interleaving is written out step by step.
 */
class PluginTokensReleaseTest {

    static final String SCOPE = TokenRig.SCOPE;
    static final Duration IDLE = PluginTokensTest.IDLE;

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final List<CompletableFuture<Object>> sweeps = new ArrayList<>();
    /** Runs inside the cancel of a queued sweep, when set: the point where a stop has decided the map is empty. */
    private final AtomicReference<Runnable> onCancel = new AtomicReference<>();

    private final RefreshTimer timer = (task, delayNanos) -> {
        CompletableFuture<Object> f = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
                Runnable hook = onCancel.getAndSet(null);
                if (hook != null) {
                    hook.run();
                }
                return super.cancel(mayInterrupt);
            }
        };
        synchronized (sweeps) {
            sweeps.add(f);
        }
        return f;
    };
    private final TokenRegistry registry = rig.registry();
    private final AtomicLong now = new AtomicLong();
    private final List<PluginTokens> made = new ArrayList<>();

    /** The plugins' leases over the rig's registry and credential, swept on {@code clock}; released after the test. */
    private PluginTokens tokens(LongSupplier clock) {
        CredentialSource source = CredentialSource.of(rig.credential());
        return track(new PluginTokens(registry, timer, clock, IDLE, s -> source));
    }

    private PluginTokens track(PluginTokens tokens) {
        made.add(tokens);
        return tokens;
    }

    @AfterEach
    void releaseTheLeases() {
        made.forEach(PluginTokens::releaseAll);
    }

    private static PluginSettings settings(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return PluginSettings.read(p, "test");
    }

    private static String acquire(PluginTokens tokens, PluginSettings settings) {
        return tokens.acquire(settings, SCOPE, Duration.ofSeconds(5), "test").accessToken();
    }

    private long liveSweeps() {
        synchronized (sweeps) {
            return sweeps.stream().filter(f -> !f.isDone()).count();
        }
    }

    /**
     * Row 5: the last lease goes (an undeploy's release), and the stop of the sweep has seen the map empty; a login
     * registers a new lease right then. Before the fix the login saw the old sweep still queued and scheduled none,
     * the stop then dropped it: a lease with no sweep, refreshed for ever, its timer pinning the loader.
     */
    @Test
    void aLoginThatRegistersWhileTheSweepStops_stillHasASweep() throws Exception {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        assertThat(liveSweeps()).isEqualTo(1);

        AtomicReference<Throwable> loginFailure = new AtomicReference<>();
        Thread login = new Thread(
                () -> {
                    try {
                        acquire(tokens, settings("tokenRefreshRatio", "0.6"));
                    } catch (Throwable t) {
                        loginFailure.set(t);
                    }
                },
                "racing-login");
        onCancel.set(
                () -> { // inside the stop, after it saw no lease: the login runs until it ends or waits for the stop
                    login.start();
                    awaitEndOrBlocked(login);
                });
        tokens.releaseAll();
        login.join(10_000);

        assertThat(loginFailure.get()).isNull();
        assertThat(tokens.leaseCount()).isEqualTo(1);
        assertThat(liveSweeps())
                .as("the lease registered during the stop has a queued sweep")
                .isEqualTo(1);
        tokens.releaseAll();
    }

    private static void awaitEndOrBlocked(Thread t) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (t.getState() != Thread.State.TERMINATED && t.getState() != Thread.State.BLOCKED) {
            assertThat(System.nanoTime())
                    .as("the login neither ended nor waited for the stop")
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /**
     * Row 5: a login whose lease is closed (an undeploy's release) between finding it and using it, twice in a row.
     * Before the fix the second time escaped the plugin as IllegalStateException ("token lease ... is closed", which
     * pgjdbc reports as "Something unusual has occurred"); now the login registers again and gets its token.
     */
    @Test
    void aLoginWhoseLeaseIsClosedOnTheRetryToo_registersAgainAndGetsItsToken() {
        AtomicInteger releasesLeft = new AtomicInteger(2);
        AtomicReference<PluginTokens> self = new AtomicReference<>();
        PluginTokens tokens = tokens(() -> {
            PluginTokens t = self.get();
            if (t != null && t.leaseCount() > 0 && releasesLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                t.releaseAll(); // the lease the login just found is closed under it
            }
            return now.get();
        });
        self.set(tokens);
        assertThat(acquire(tokens, settings())).startsWith("token-");
        assertThat(releasesLeft).hasValue(0);
        assertThat(tokens.leaseCount()).isEqualTo(1);
        tokens.releaseAll();
    }

    /** A login that keeps losing its lease to releases gets the driver-facing failure, never IllegalStateException. */
    @Test
    void aLoginWhoseLeaseIsAlwaysClosedUnderIt_getsTokenUnavailableException() {
        AtomicReference<PluginTokens> self = new AtomicReference<>();
        PluginTokens tokens = tokens(() -> {
            PluginTokens t = self.get();
            if (t != null && t.leaseCount() > 0) {
                t.releaseAll();
            }
            return now.get();
        });
        self.set(tokens);
        assertThatThrownBy(() -> acquire(tokens, settings()))
                .isInstanceOf(TokenUnavailableException.class)
                .hasMessageContaining("released while this login was using them")
                .hasMessageContaining("the application is stopping");
    }

    /**
     * Row 9: a log appender that writes to the database through the plugin logs in while the plugin logs its new
     * lease. Before the fix the line was logged inside the map's computeIfAbsent, and the appender's login re-entered
     * it: IllegalStateException "Recursive update" (or a deadlock on another key in the same bin).
     */
    @Test
    void anAppenderThatLogsInThroughThePluginWhileItLogsANewLease_doesNotReenterTheMap() {
        PluginTokens tokens = tokens(now::get);
        PluginSettings s = settings();
        List<String> appenderLogins = new ArrayList<>();
        List<Throwable> appenderFailures = new ArrayList<>(); // logback swallows an appender's exception: keep it here
        AppenderBase<ILoggingEvent> databaseAppender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().contains("login with access tokens")) {
                    try {
                        appenderLogins.add(acquire(tokens, s)); // the appender's own connection, through the plugin
                    } catch (RuntimeException e) {
                        appenderFailures.add(e);
                    }
                }
            }
        };
        Logger logger = (Logger) LoggerFactory.getLogger(PluginTokens.class);
        databaseAppender.start();
        logger.addAppender(databaseAppender);
        try {
            assertThat(acquire(tokens, s)).isEqualTo("token-1");
        } finally {
            logger.detachAppender(databaseAppender);
            tokens.releaseAll();
        }
        assertThat(appenderFailures).as("the appender's login").isEmpty();
        assertThat(appenderLogins).containsExactly("token-1");
    }

    /**
     * Row 3: after a release nothing of the plugins refers to the credential any more, so that azure-identity's HTTP
     * client (whose JDK SelectorManager thread ends only once the client is unreachable) can go, and with it the web
     * application's class loader. Before the fix the settings-to-key memo kept it for ever.
     */
    @Test
    void afterReleaseAllNothingRefersToTheCredential_soItsHttpClientCanBeCollected() {
        AtomicReference<WeakReference<TokenCredential>> built = new AtomicReference<>();
        PluginTokens tokens = track(new PluginTokens(registry, timer, now::get, IDLE, s -> {
            TokenCredential c = new FakeCredential(rig.time()); // not the rig's: nothing else may hold it
            built.set(new WeakReference<>(c));
            return CredentialSource.of(c);
        }));
        acquire(tokens, settings());
        tokens.releaseAll();
        assertThat(awaitCollected(built.get()))
                .as("the credential was collected after the release")
                .isTrue();
    }

    /** Row 3: an application's stop releases the leases its threads logged in with, not those of another one. */
    @Test
    void releasingAClassLoaderReleasesTheLeasesItsThreadsUsed_andKeepsTheOthers() throws Exception {
        PluginTokens tokens = tokens(now::get);
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try (URLClassLoader appA = new URLClassLoader(new URL[0], original);
                URLClassLoader appB = new URLClassLoader(new URL[0], original)) {
            thread.setContextClassLoader(appA);
            acquire(tokens, settings()); // only A
            acquire(tokens, settings("tokenRefreshRatio", "0.6")); // A and B
            thread.setContextClassLoader(appB);
            acquire(tokens, settings("tokenRefreshRatio", "0.6"));
            acquire(tokens, settings("tokenRefreshRatio", "0.7")); // only B
            assertThat(tokens.leaseCount()).isEqualTo(3);

            assertThat(tokens.release(appA)).as("leases released").isEqualTo(1);
            assertThat(tokens.leaseCount()).as("B's two leases stay").isEqualTo(2);
            assertThat(tokens.release(appB)).isEqualTo(2);
            assertThat(tokens.leaseCount()).isZero();
            assertThat(liveSweeps()).as("nothing held: no sweep queued").isZero();
        } finally {
            thread.setContextClassLoader(original);
        }
    }

    /** Row 3: when the library itself belongs to the application that stops, every lease of this copy goes. */
    @Test
    void releasingTheLibrarysOwnClassLoaderReleasesEverything() {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        acquire(tokens, settings("tokenRefreshRatio", "0.6"));
        assertThat(tokens.release(PluginTokens.class.getClassLoader())).isEqualTo(2);
        assertThat(tokens.leaseCount()).isZero();
    }

    static boolean awaitCollected(WeakReference<?> ref) {
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return ref.get() == null;
    }
}
