package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.token.CachedToken;
import io.github.azuremi.jdbc.internal.token.IdleLeases;
import io.github.azuremi.jdbc.internal.token.RefreshTimer;
import io.github.azuremi.jdbc.internal.token.TokenKey;
import io.github.azuremi.jdbc.internal.token.TokenLease;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One R2DBC factory's lease on its identity's token, released after {@link IdleLeases#IDLE_RELEASE} without a new
 * connection (the core's idle release, as for the driver plugins): r2dbc-pool never closes the factory below it, and
 * an application may stop without closing anything, so only the lack of use says that nobody needs the token any more.
 * The next connection registers the lease again (with the same listeners) and waits for one token request.
 *
 * <p>Thread-safe; {@link #forLogin} takes no lock (a map read and a volatile write).
 */
final class FactoryLease {

    private static final Logger LOG = LoggerFactory.getLogger(FactoryLease.class);

    /** The leases of every R2DBC factory of the process, swept on the library's refresh timer. */
    private static final class Shared {
        static final IdleLeases<FactoryLease, Void> LEASES = new IdleLeases<>(
                RefreshTimer.daemon(),
                System::nanoTime,
                IdleLeases.IDLE_RELEASE,
                lease -> LOG.debug(
                        "{}: no new connection for {} s; token released and its refreshes stopped (the next "
                                + "connection fetches one again)",
                        lease.key,
                        IdleLeases.IDLE_RELEASE.toSeconds()),
                () -> {});
    }

    private final IdleLeases<FactoryLease, Void> leases;
    private final TokenKey key;
    private final Supplier<TokenLease> register;
    private volatile boolean closed;

    /**
     * @param leases   where the lease is held and swept
     * @param register registers the lease with the token registry (with the factory's listeners)
     */
    FactoryLease(IdleLeases<FactoryLease, Void> leases, TokenKey key, Supplier<TokenLease> register) {
        this.leases = Objects.requireNonNull(leases);
        this.key = Objects.requireNonNull(key);
        this.register = Objects.requireNonNull(register);
    }

    /** In the process-wide leases; registered now (the factory's settings were just checked). */
    static FactoryLease shared(TokenKey key, Supplier<TokenLease> register) {
        FactoryLease lease = new FactoryLease(Shared.LEASES, key, register);
        lease.forLogin();
        return lease;
    }

    /**
     * The lease for a login now (registered again after an idle release), marked as used.
     *
     * @throws IllegalStateException when the factory was closed
     */
    TokenLease forLogin() {
        if (closed) {
            throw new IllegalStateException("this connection factory is closed (" + key + ")");
        }
        IdleLeases.Entry<Void> entry = leases.get(this);
        if (entry == null) {
            entry = leases.register(this, register, null, () -> {});
        }
        leases.touch(entry);
        return entry.lease();
    }

    /** The lease held, without marking a use (health, metrics); null when released (idle or closed). */
    TokenLease held() {
        IdleLeases.Entry<Void> entry = leases.get(this);
        return entry == null ? null : entry.lease();
    }

    /** The token held, if any, without waiting, fetching or marking a use. */
    CachedToken current() {
        TokenLease held = held();
        return held == null ? null : held.current();
    }

    TokenKey key() {
        return key;
    }

    /** Releases the lease for good: a closed factory makes no connection. */
    void close() {
        closed = true;
        leases.release(this);
    }

    @Override
    public String toString() {
        return "FactoryLease{" + key + (closed ? ", closed" : "") + '}';
    }
}
