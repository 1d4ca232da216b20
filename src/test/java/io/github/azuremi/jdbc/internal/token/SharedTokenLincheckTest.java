package io.github.azuremi.jdbc.internal.token;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.github.azuremi.jdbc.TokenUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Model checking (Lincheck) of one identity's token: the operations that pools, the database driver and the
 * refresh timer perform on it, in the interleavings Lincheck explores. What is checked: no interleaving
 * deadlocks or hangs, never more than one request in flight, and no token handed out past its usable time
 * (the operations throw {@link AssertionError} when an invariant breaks, which no sequential run does).
 * Requests run on the calling thread (fetch executor {@code Runnable::run}) so that the model checker sees
 * every lock a request takes, including Caffeine's.
 *
 * <p>The same test, written against the token cache of issue 9 (commit 612666e), reports "All unfinished
 * threads are in deadlock" for {@code replaceRejected || acquire || acquire} and finds the timer variant on
 * its own in random scenarios.
 *
 * <p>Runs in the surefire execution {@code model-checking} (pom.xml), which gives the JVM the flags
 * Lincheck's agent needs. The build explores 10 x 500 random interleavings (about 2 minutes); the full
 * exploration (CONTRIBUTING.md) is {@code mvn test-compile surefire:test@model-checking -Dlincheck.iterations=30
 * -Dlincheck.invocations=1000} (about 8 minutes here; it passed on this code).
 */
public class SharedTokenLincheckTest {

    static {
        // Logging adds thousands of shared-memory events per operation and plays no part in the locking.
        ((Logger) LoggerFactory.getLogger("io.github.azuremi.jdbc")).setLevel(Level.OFF);
    }

    /**
     * No operation waits: Lincheck's model checker does not let time pass, so a timed wait that nobody
     * completes (CompletableFuture.get with a timeout parks in a loop until the deadline) is reported as a hang.
     * With a zero timeout a caller that finds a request in flight gives up at once, which is a legal outcome.
     */
    private static final Duration SHORT = Duration.ZERO;

    /**
     * The token tests' rig, as a plain object: Lincheck makes one instance of this class per invocation, outside
     * JUnit, so the rig's clean-up never runs (nor needs to: each invocation's registry is dropped with it).
     */
    private final TokenRig rig = new TokenRig();

    private final FakeTime time = rig.time();
    private final ManualTimer timer = rig.timer();
    private final CountingCredential credential = new CountingCredential(rig.credential());
    // a string identity: the key's hash (and so the map's bins) must not differ between invocations
    private final TokenKey key = new TokenKey(
            CredentialSource.of("lincheck-identity", "fake identity", () -> credential), TokenRig.SCOPE, null);
    // a zero fetch timeout, so that a pool's first-token wait (up to the fetch timeout) does not wait either;
    // the timeout task still runs on the hand-driven timer
    private final TokenSettings settings = TokenSettings.DEFAULTS.withFetchTimeout(Duration.ZERO);
    private final TokenLease lease = rig.lease(key, settings, null);
    private final TokenLease other = rig.lease(key, settings, null);
    private final CachedToken initial = lease.acquire(Duration.ofSeconds(5));

    /** A pool's login: acquire, giving up quickly; the token must have been usable when the call began. */
    @Operation
    public void acquire() {
        java.time.Instant start = time.instant();
        try {
            checkUsable(lease.acquire(SHORT), start);
        } catch (TokenUnavailableException | IllegalStateException expected) {
            // no token to be had now, or the pool closed: legal outcomes
        }
    }

    /** The other pool's login. */
    @Operation
    public void acquireOther() {
        java.time.Instant start = time.instant();
        try {
            checkUsable(other.acquire(SHORT), start);
        } catch (TokenUnavailableException | IllegalStateException expected) {
            // as above
        }
    }

    /** The database refused the current token: replace it (join the request in flight, or start one). */
    @Operation
    public void replaceRejected() {
        CachedToken current = lease.current();
        java.time.Instant start = time.instant();
        try {
            CachedToken replacement = lease.replaceRejected(current != null ? current : initial, SHORT);
            if (replacement != null) {
                checkUsable(replacement, start);
            }
        } catch (TokenUnavailableException | IllegalStateException expected) {
            // as above
        }
    }

    /** The refresh timer fires: the clock reaches the refresh point and the due tasks run. */
    @Operation
    public void timerRefresh() {
        time.advance(Duration.ofHours(12));
        timer.runDue();
    }

    /** The identity endpoint answers from now on. */
    @Operation
    public void fetchSucceeds() {
        credential.delegate.succeed();
    }

    /** The identity endpoint fails from now on. */
    @Operation
    public void fetchFails() {
        credential.delegate.failWith(new IllegalStateException("identity endpoint down"));
    }

    /** The other pool closes; the first keeps the token. */
    @Operation
    public void release() {
        other.close();
    }

    /** Diagnostics, as getConnection's timeout message reads them. */
    @Operation
    public void unavailableReason() {
        lease.unavailableReason();
    }

    /**
     * A token handed out must be usable at least when the call began (the clock is moved by other operations,
     * 12 hours at a time, so "usable at return" cannot be read race-free).
     */
    private static void checkUsable(CachedToken token, java.time.Instant start) {
        if (!token.isUsable(start)) {
            throw new AssertionError("handed out a token past its usable time: " + token);
        }
    }

    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions()
                .iterations(Integer.getInteger("lincheck.iterations", 10))
                .invocationsPerIteration(Integer.getInteger("lincheck.invocations", 500))
                .threads(Integer.getInteger("lincheck.threads", 3))
                .actorsPerThread(Integer.getInteger("lincheck.actorsPerThread", 2))
                // no init/post parts and no minimization: with them (the 3.7 defaults), replaying a failing
                // interleaving diverged ("Non-determinism found") instead of printing its trace
                .actorsBefore(0)
                .actorsAfter(0)
                .minimizeFailedScenario(false)
                // Caffeine's TimerWheel.expire walks its 64 buckets: under the default bound (50) that bounded loop
                // would be reported as a livelock
                .loopBound(1000);
    }

    /** Runs every operation in many orders first, so that one-time work is done before anything is recorded. */
    private static void warmUp() {
        Random random = new Random(42);
        for (int run = 0; run < 300; run++) {
            SharedTokenLincheckTest t = new SharedTokenLincheckTest();
            List<Runnable> ops = List.of(
                    t::acquire,
                    t::acquireOther,
                    t::replaceRejected,
                    t::timerRefresh,
                    t::fetchSucceeds,
                    t::fetchFails,
                    t::release,
                    t::unavailableReason);
            for (int i = 0; i < 15; i++) {
                ops.get(random.nextInt(ops.size())).run();
            }
        }
    }

    @Test
    void noInterleavingOfRandomScenariosDeadlocksOrBreaksAnInvariant() {
        warmUp();
        options().check(SharedTokenLincheckTest.class);
    }

    /** The scenario of issue 9's deadlock: one refused login and two pools acquiring, all at once. */
    @Test
    void oneRefusedLoginAndTwoAcquirersDoNotDeadlock() throws Exception {
        warmUp();
        ExecutionScenario scenario = new ExecutionScenario(
                List.of(),
                List.of(List.of(actor("replaceRejected")), List.of(actor("acquire")), List.of(actor("acquireOther"))),
                List.of(),
                null);
        options().iterations(0).addCustomScenario(scenario).check(SharedTokenLincheckTest.class);
    }

    /** The timer variant: a refresh firing while a refused token is replaced and the endpoint fails. */
    @Test
    void aRefreshARefusalAndAFailingEndpointDoNotDeadlock() throws Exception {
        warmUp();
        ExecutionScenario scenario = new ExecutionScenario(
                List.of(),
                List.of(
                        List.of(actor("fetchFails"), actor("fetchSucceeds")),
                        List.of(actor("timerRefresh")),
                        List.of(actor("replaceRejected"))),
                List.of(),
                null);
        options().iterations(0).addCustomScenario(scenario).check(SharedTokenLincheckTest.class);
    }

    private static Actor actor(String operation) throws NoSuchMethodException {
        return new Actor(SharedTokenLincheckTest.class.getMethod(operation), List.of());
    }

    /** Counts calls in flight at once; more than one is a broken single flight. */
    static final class CountingCredential implements com.azure.core.credential.TokenCredential {
        final FakeCredential delegate;
        private final AtomicInteger inFlight = new AtomicInteger();

        CountingCredential(FakeCredential delegate) {
            this.delegate = delegate;
        }

        @Override
        public reactor.core.publisher.Mono<com.azure.core.credential.AccessToken> getToken(
                com.azure.core.credential.TokenRequestContext request) {
            return reactor.core.publisher.Mono.fromCallable(() -> getTokenSync(request));
        }

        @Override
        public com.azure.core.credential.AccessToken getTokenSync(
                com.azure.core.credential.TokenRequestContext request) {
            if (inFlight.incrementAndGet() > 1) {
                inFlight.decrementAndGet();
                throw new AssertionError("two token requests in flight for one identity");
            }
            try {
                return delegate.getTokenSync(request);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }
}
