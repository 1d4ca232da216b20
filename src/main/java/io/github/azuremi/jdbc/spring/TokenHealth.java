package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.TokenStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The health of the tokens of the application's {@link ManagedIdentityDataSource}s, independent of the Boot
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

    private final ObjectProvider<DataSource> dataSources;

    TokenHealth(ObjectProvider<DataSource> dataSources) {
        this.dataSources = dataSources;
    }

    Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        State state = State.UNKNOWN;
        Instant now = Instant.now();
        for (DataSource candidate : (Iterable<DataSource>) dataSources.orderedStream()::iterator) {
            if (!(candidate instanceof ManagedIdentityDataSource ds)) {
                continue;
            }
            TokenStatus status = ds.getTokenStatus();
            String pool = ds.getPoolName() != null ? ds.getPoolName() : "ManagedIdentityDataSource";
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
            one.put("identity", ds.getTokenDescription());
            details.put(pool, one);
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
