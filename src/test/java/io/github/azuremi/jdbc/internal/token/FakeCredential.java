package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * A TokenCredential for unit tests: issues "token-N" living {@code lifetime} on the fake clock's wall clock,
 * counts requests and records their scopes and tenants, can fail or block until released.
 */
public final class FakeCredential implements TokenCredential {

    private final FakeTime time;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> scopes = new CopyOnWriteArrayList<>();
    private final List<String> tenants = new CopyOnWriteArrayList<>();
    private volatile Duration lifetime = Duration.ofHours(24);
    private volatile Duration refreshIn;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile CountDownLatch gate;

    public FakeCredential(FakeTime time) {
        this.time = time;
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.fromCallable(() -> getTokenSync(request));
    }

    @Override
    public AccessToken getTokenSync(TokenRequestContext request) {
        int n = requests.incrementAndGet();
        scopes.addAll(request.getScopes());
        tenants.add(String.valueOf(request.getTenantId()));
        CountDownLatch g = gate;
        if (g != null) {
            try {
                if (!g.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        RuntimeException f = failure.get();
        if (f != null) {
            throw f;
        }
        OffsetDateTime now = OffsetDateTime.ofInstant(time.instant(), ZoneOffset.UTC);
        OffsetDateTime refreshAt = refreshIn == null ? null : now.plus(refreshIn);
        return new AccessToken("token-" + n, now.plus(lifetime), refreshAt);
    }

    public int requests() {
        return requests.get();
    }

    public List<String> scopes() {
        return scopes;
    }

    /** The tenant of each request, in order; "null" for a request without one. */
    public List<String> tenants() {
        return tenants;
    }

    public void lifetime(Duration d) {
        lifetime = d;
    }

    public void refreshIn(Duration d) {
        refreshIn = d;
    }

    public void failWith(RuntimeException e) {
        failure.set(e);
    }

    public void succeed() {
        failure.set(null);
    }

    /** Requests block until {@link #release()}. */
    public CountDownLatch block() {
        gate = new CountDownLatch(1);
        return gate;
    }

    public void release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }
}
