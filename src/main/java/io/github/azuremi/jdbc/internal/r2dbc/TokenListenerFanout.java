package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one listener an R2DBC factory registers with its lease, forwarding to the listeners attached since (token
 * metrics, the application): the lease is registered when the factory is built, before Spring or the application can
 * attach anything. Attaching, detaching and forwarding may happen on any thread at once and never wait (a
 * copy-on-write list: events are frequent, changes rare); a listener that throws does not keep the event from the
 * others.
 */
final class TokenListenerFanout implements TokenListener {

    private static final Logger LOG = LoggerFactory.getLogger(TokenListenerFanout.class);

    private final List<TokenListener> listeners = new CopyOnWriteArrayList<>();

    void add(TokenListener listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    void remove(TokenListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void onTokenFetched(TokenInfo info) {
        for (TokenListener l : listeners) {
            try {
                l.onTokenFetched(info);
            } catch (RuntimeException e) {
                LOG.debug("token listener {} failed", l.getClass().getName(), e);
            }
        }
    }

    @Override
    public void onTokenFetchFailed(TokenFetchFailure failure) {
        for (TokenListener l : listeners) {
            try {
                l.onTokenFetchFailed(failure);
            } catch (RuntimeException e) {
                LOG.debug("token listener {} failed", l.getClass().getName(), e);
            }
        }
    }
}
