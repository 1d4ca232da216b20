package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.azuremi.jdbc.internal.compat.ThreadHygiene;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.internal.token.TokenRig;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * What the plugins' leases keep and give back besides the token: the idle sweep's exact limit and its log line, the
 * memo of keys (and through it the credentials) that a release must forget, a registration that loses its race, and
 * the count of open pools that lets azure-core's threads end.
 */
class PluginTokensHousekeepingTest {

    static final String SCOPE = TokenRig.SCOPE;
    static final Duration IDLE = Duration.ofMinutes(60);

    @RegisterExtension
    final TokenRig rig = new TokenRig();

    private final List<Runnable> scheduled = new ArrayList<>();
    private final RefreshTimer timer = (task, delayNanos) -> {
        scheduled.add(task);
        return new CompletableFuture<>();
    };
    private final TokenRegistry registry = rig.registry();
    private final AtomicLong now = new AtomicLong();
    private final CredentialSource source = CredentialSource.of(rig.credential());
    /** How many times the plugins asked for the credential of some settings (a key built anew). */
    private final AtomicInteger credentialsBuilt = new AtomicInteger();

    private final List<PluginTokens> made = new ArrayList<>();

    private PluginTokens tokens(LongSupplier clock) {
        PluginTokens t = new PluginTokens(registry, timer, clock, IDLE, s -> {
            credentialsBuilt.incrementAndGet();
            return source;
        });
        made.add(t);
        return t;
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

    /** Settings that differ only in the identity's client id: with one credential for all, they share one lease. */
    private static PluginSettings identity(int n) {
        return settings(
                "credential",
                "managed-identity",
                "managedIdentityClientId",
                UUID.nameUUIDFromBytes(("identity-" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .toString());
    }

    private static String acquire(PluginTokens tokens, PluginSettings settings) {
        return tokens.acquire(settings, SCOPE, TokenRig.WAIT, "test").accessToken();
    }

    private static int openPools() throws ReflectiveOperationException {
        Field f = ThreadHygiene.class.getDeclaredField("OPEN_POOLS");
        f.setAccessible(true);
        return ((AtomicInteger) f.get(null)).get();
    }

    @Test
    void aLeaseWithoutALoginForExactlyTheIdleTimeIsReleased() {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        now.set(IDLE.toNanos());
        scheduled.remove(0).run();
        assertThat(tokens.leaseCount()).isZero();
    }

    @Test
    void theSweepSaysHowManySecondsTheReleasedLeaseWentWithoutALogin() {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        Logger logger = (Logger) LoggerFactory.getLogger(PluginTokens.class);
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.DEBUG);
        try {
            now.set(IDLE.toNanos() + 1);
            scheduled.remove(0).run();
        } finally {
            logger.detachAppender(lines);
            logger.setLevel(level);
        }
        assertThat(lines.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line ->
                        assertThat(line).endsWith(": no login for 3600 s; token released and its refreshes stopped"));
    }

    @Test
    void aNewLeaseLogsTheWarningsOfItsSettings() {
        PluginTokens tokens = tokens(now::get);
        PluginSettings odd = settings("tokenRefreshJitter", "0.9");
        assertThat(odd.warnings())
                .as("the settings replace an out-of-range jitter")
                .isNotEmpty();
        Logger logger = (Logger) LoggerFactory.getLogger(PluginTokens.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            acquire(tokens, odd);
        } finally {
            logger.detachAppender(lines);
        }
        assertThat(lines.list)
                .filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("test - " + odd.warnings().get(0));
    }

    @Test
    void aSweepThatReleasesTheLastLeaseForgetsItsCredential_theNextLoginBuildsItAgain() {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        acquire(tokens, settings());
        assertThat(credentialsBuilt).as("the key is built once per settings").hasValue(1);

        now.set(2 * IDLE.toNanos());
        scheduled.remove(0).run();
        acquire(tokens, settings());
        assertThat(credentialsBuilt).hasValue(2);
    }

    @Test
    void aSweepThatKeepsALeaseKeepsItsKey() {
        PluginTokens tokens = tokens(now::get);
        acquire(tokens, settings());
        now.set(IDLE.toNanos() / 2);
        scheduled.remove(0).run();
        acquire(tokens, settings());
        assertThat(credentialsBuilt).hasValue(1);
    }

    @Test
    void anApplicationsStopForgetsTheCredentials_theNextLoginBuildsItAgain() throws Exception {
        PluginTokens tokens = tokens(now::get);
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try (URLClassLoader app = new URLClassLoader(new URL[0], original)) {
            thread.setContextClassLoader(app);
            acquire(tokens, settings());
            assertThat(tokens.release(app)).isEqualTo(1);
            acquire(tokens, settings());
        } finally {
            thread.setContextClassLoader(original);
        }
        assertThat(credentialsBuilt).hasValue(2);
    }

    /** The memo of keys is bounded: the settings after the 256th empty it, and their credentials are built again. */
    @Test
    void theMemoOfKeysHoldsTheKeysOf256Settings_andEmptiesForTheNext() {
        PluginTokens tokens = tokens(now::get);
        for (int i = 0; i < 256; i++) {
            acquire(tokens, identity(i));
        }
        assertThat(tokens.leaseCount())
                .as("one credential, scope and timings: one lease")
                .isEqualTo(1);
        acquire(tokens, identity(0));
        assertThat(credentialsBuilt).as("the 256 keys are remembered").hasValue(256);

        acquire(tokens, identity(256));
        assertThat(credentialsBuilt).hasValue(257);
        acquire(tokens, identity(0));
        assertThat(credentialsBuilt).as("the memo was emptied for the 257th").hasValue(258);
    }

    /**
     * Two logins of a new key register at once: the one that loses uses the winner's lease and closes its own spare,
     * which must not keep the token registered (nor count as an open pool) after the winner is released.
     */
    @Test
    void aLoginThatLosesTheRaceToRegisterUsesTheWinnersLease_andClosesItsSpare() throws Exception {
        AtomicReference<PluginTokens> self = new AtomicReference<>();
        AtomicBoolean raced = new AtomicBoolean();
        List<String> winner = new ArrayList<>();
        PluginTokens tokens = tokens(() -> {
            // the first reading of the clock is the new entry's, between the loser's register and its put
            if (raced.compareAndSet(false, true)) {
                winner.add(acquire(self.get(), settings()));
            }
            return now.get();
        });
        self.set(tokens);
        int poolsBefore = openPools();

        String loser = acquire(tokens, settings());

        assertThat(winner).containsExactly("token-1");
        assertThat(loser).isEqualTo("token-1");
        assertThat(tokens.leaseCount()).isEqualTo(1);
        assertThat(openPools()).as("the spare is no open pool").isEqualTo(poolsBefore + 1);
        tokens.releaseAll();
        assertThat(registry.keyCount())
                .as("the spare lease was closed with the winner's release")
                .isZero();
        assertThat(openPools()).isEqualTo(poolsBefore);
    }

    @Test
    void everyReleasedLeaseIsNoLongerAnOpenPool() throws Exception {
        PluginTokens tokens = tokens(now::get);
        int before = openPools();
        acquire(tokens, settings());
        acquire(tokens, settings("tokenRefreshRatio", "0.6"));
        assertThat(openPools()).isEqualTo(before + 2);
        now.set(2 * IDLE.toNanos());
        scheduled.remove(0).run();
        assertThat(openPools()).as("after the idle sweep").isEqualTo(before);
    }
}
