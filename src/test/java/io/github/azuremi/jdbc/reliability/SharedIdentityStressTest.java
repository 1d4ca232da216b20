package io.github.azuremi.jdbc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Two pools that share one identity, a database that refuses some tokens, a credential that returns a new
 * token on every call and the refresh timer running, for thousands of logins: no deadlock, never an expired
 * token sent, never more than one request in flight for the identity. Everything goes through the public
 * API ({@code setTokenCredential}, {@code driverClassName}); the "database" is a JDBC driver that checks the
 * token of every login, so that thousands of logins take seconds instead of minutes.
 */
class SharedIdentityStressTest {

    private static final Duration RUN = Duration.ofSeconds(12);
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(2);

    @Test
    void twoPoolsSharingAnIdentityUnderRefusalsNeverDeadlockNorSendAnExpiredTokenNorAskTwiceAtOnce() throws Exception {
        RotatingCredential credential = new RotatingCredential();
        CheckingDriver.reset(credential);
        List<ManagedIdentityDataSource> pools = List.of(pool("stress-a", credential), pool("stress-b", credential));
        for (ManagedIdentityDataSource ds : pools) {
            ds.getConnection().close(); // starts the pool
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<String> deadlocks = new CopyOnWriteArrayList<>();
        AtomicLong queries = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        ExecutorService workers = Executors.newFixedThreadPool(10);
        long end = System.nanoTime() + RUN.toNanos();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ManagedIdentityDataSource ds = pools.get(i % 2);
                boolean direct = i >= 4;
                running.add(workers.submit(() -> {
                    while (System.nanoTime() < end) {
                        // half the workers borrow from the pools; the other half open physical logins through the
                        // pool's
                        // own login data source (what Hikari calls), so that logins are not paced by Hikari's adder
                        try (Connection c = direct ? ds.getDataSource().getConnection() : ds.getConnection()) {
                            if (c.isValid(1)) {
                                queries.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            failures.incrementAndGet(); // a refusal a fresh token did not cure: allowed, counted
                        }
                    }
                }));
            }
            running.add(workers.submit(
                    () -> { // retire connections all the time, so that logins never stop
                        while (System.nanoTime() < end) {
                            pools.forEach(p -> p.getHikariPoolMXBean().softEvictConnections());
                            sleep(3);
                        }
                    }));
            running.add(workers.submit(
                    () -> { // the deadlock detector
                        while (System.nanoTime() < end + TimeUnit.SECONDS.toNanos(2)) {
                            long[] ids = mx.findDeadlockedThreads();
                            if (ids != null) {
                                deadlocks.add(Arrays.toString(mx.getThreadInfo(ids, true, true)));
                                return;
                            }
                            sleep(50);
                        }
                    }));
            for (Future<?> f : running) {
                f.get(RUN.toSeconds() + 30, TimeUnit.SECONDS); // a hang fails here instead of hanging the build
            }
        } finally {
            workers.shutdownNow();
            pools.forEach(ManagedIdentityDataSource::close);
        }

        System.out.printf(
                "[stress] logins=%d refusedByServer=%d tokens=%d maxInFlight=%d queries=%d failedGetConnection=%d%n",
                CheckingDriver.logins.get(),
                CheckingDriver.refused.get(),
                credential.calls.get(),
                credential.maxInFlight.get(),
                queries.get(),
                failures.get());
        assertThat(deadlocks).as("deadlocked threads").isEmpty();
        assertThat(CheckingDriver.expiredSent)
                .as("expired tokens sent to the database")
                .isEmpty();
        assertThat(credential.maxInFlight.get())
                .as("requests in flight at once for the identity")
                .isEqualTo(1);
        assertThat(CheckingDriver.logins.get()).as("physical logins").isGreaterThan(5_000);
        assertThat(CheckingDriver.refused.get())
                .as("the database refused some tokens")
                .isGreaterThan(0);
        assertThat(credential.calls.get())
                .as("tokens: refreshes every ~1 s plus replacements")
                .isGreaterThan(5);
    }

    private static ManagedIdentityDataSource pool(String name, TokenCredential credential) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setPoolName(name);
        ds.setJdbcUrl(CheckingDriver.URL);
        ds.setDriverClassName(CheckingDriver.class.getName());
        // a stub driver, not pgjdbc: the library cannot read its URL as pgjdbc would, so it needs the explicit opt-in
        ds.setAllowUnverifiedTransport(true);
        ds.setUsername("app");
        ds.setTokenCredential(credential);
        ds.setMaximumPoolSize(4);
        ds.setConnectionTimeout(2_000);
        ds.setTokenRefreshJitter(0.3);
        return ds;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A new token on every call, living {@link #TOKEN_LIFETIME}; counts calls in flight at once. */
    static final class RotatingCredential implements TokenCredential {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final ConcurrentHashMap<String, Instant> expiries = new ConcurrentHashMap<>();
        volatile String newest;

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromCallable(() -> getTokenSync(request));
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                sleep(ThreadLocalRandom.current().nextInt(1, 15)); // an endpoint that takes a moment
                String token = "stress-token-" + calls.incrementAndGet();
                OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plus(TOKEN_LIFETIME);
                expiries.put(token, expiresAt.toInstant());
                newest = token;
                return new AccessToken(token, expiresAt);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    /**
     * The database: accepts the newest token and the one before it (a server that has just rotated), refuses
     * older ones and, at random, 1 % of the others (as a server that has not yet replicated a new role would);
     * records any token sent after its expiry.
     */
    public static final class CheckingDriver implements Driver {
        static final String URL = "jdbc:postgresql://127.0.0.1:1/stress";
        static final AtomicLong logins = new AtomicLong();
        static final AtomicLong refused = new AtomicLong();
        static final List<String> expiredSent = new CopyOnWriteArrayList<>();
        private static volatile RotatingCredential issuer;

        static void reset(RotatingCredential credential) {
            issuer = credential;
            logins.set(0);
            refused.set(0);
            expiredSent.clear();
        }

        @Override
        public Connection connect(String url, Properties info) throws SQLException {
            if (!acceptsURL(url)) {
                return null;
            }
            logins.incrementAndGet();
            String token = info.getProperty("password");
            Instant expiry = issuer.expiries.get(token);
            if (expiry == null || !Instant.now().isBefore(expiry)) {
                expiredSent.add(
                        expiry == null ? "a token the credential never issued" : "a token expired at " + expiry);
            }
            int n = Integer.parseInt(token.substring(token.lastIndexOf('-') + 1));
            String newest = issuer.newest;
            int newestN = Integer.parseInt(newest.substring(newest.lastIndexOf('-') + 1));
            if (n < newestN - 1 || ThreadLocalRandom.current().nextInt(100) == 0) {
                refused.incrementAndGet();
                throw new SQLInvalidAuthorizationSpecException(
                        "password authentication failed for user \"app\"", "28P01");
            }
            return (Connection) Proxy.newProxyInstance(
                    getClass().getClassLoader(),
                    new Class<?>[] {Connection.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "isValid" -> true;
                        case "isClosed", "isReadOnly" -> false;
                        case "getAutoCommit" -> true;
                        case "getTransactionIsolation" -> Connection.TRANSACTION_READ_COMMITTED;
                        case "getNetworkTimeout", "hashCode" -> 0;
                        case "equals" -> proxy == args[0];
                        case "toString" -> "CheckingConnection";
                        default -> null;
                    });
        }

        @Override
        public boolean acceptsURL(String url) {
            return URL.equals(url);
        }

        @Override
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
            return new DriverPropertyInfo[0];
        }

        @Override
        public int getMajorVersion() {
            return 1;
        }

        @Override
        public int getMinorVersion() {
            return 0;
        }

        @Override
        public boolean jdbcCompliant() {
            return false;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getLogger("stress");
        }
    }
}
