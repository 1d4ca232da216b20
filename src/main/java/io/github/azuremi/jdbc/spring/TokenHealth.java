package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.TokenStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The health of the tokens of the application's {@link ManagedIdentityDataSource}s (or of its R2DBC connection
 * factories: {@link ManagedIdentityR2dbcAutoConfiguration}), independent of the Boot
 * generation (Boot 3's and Boot 4's health indicators only translate it): DOWN with the reason when a
 * started pool holds no usable token, UP with the remaining lifetime otherwise; UNKNOWN while no pool has
 * started.
 */
final class TokenHealth {

    enum State {
        UP,
        DOWN,
        UNKNOWN
    }

    record Result(State state, Map<String, Object> details) {}

    /** One pool (or R2DBC connection factory) whose token is reported: its name, status and identity. */
    record Pool(String name, TokenStatus status, String identity) {}

    private final Supplier<Stream<Pool>> pools;

    /** The application's {@link ManagedIdentityDataSource}s, by pool name. */
    TokenHealth(ObjectProvider<DataSource> dataSources) {
        this(() -> dataSources
                .orderedStream()
                .filter(ManagedIdentityDataSource.class::isInstance)
                .map(ManagedIdentityDataSource.class::cast)
                .map(ds -> new Pool(
                        ds.getPoolName() != null ? ds.getPoolName() : "ManagedIdentityDataSource",
                        ds.getTokenStatus(),
                        ds.getTokenDescription())));
    }

    /** @param pools read at every check (the pools may start, or fail, at any time) */
    TokenHealth(Supplier<Stream<Pool>> pools) {
        this.pools = pools;
    }

    Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        State state = State.UNKNOWN;
        Instant now = Instant.now();
        for (Pool pool : (Iterable<Pool>) pools.get()::iterator) {
            TokenStatus status = pool.status();
            Map<String, Object> one = new LinkedHashMap<>();
            if (status == null) {
                one.put("status", "not started");
            } else if (status.usable()) {
                one.put("status", "token held");
                one.put("expiresIn", status.remaining(now).toSeconds() + " s");
                one.put("expiresAt", String.valueOf(status.expiresAt()));
                state = state == State.DOWN ? State.DOWN : State.UP;
            } else {
                one.put("status", "no usable token");
                one.put("reason", status.reason());
                state = State.DOWN;
            }
            one.put("identity", pool.identity());
            details.put(pool.name(), one);
        }
        if (details.size() == 1) { // one pool: its details flat
            @SuppressWarnings("unchecked")
            Map<String, Object> only =
                    (Map<String, Object>) details.values().iterator().next();
            Map<String, Object> flat = new LinkedHashMap<>();
            flat.put("pool", details.keySet().iterator().next());
            flat.putAll(only);
            return new Result(state, flat);
        }
        return new Result(state, details);
    }
}
