package io.github.azuremi.jdbc.internal.credential;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.identity.CredentialUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Wraps a credential that uses a managed identity so that a failure names its cause: the environment azure-identity
 * reads (which variables are set, hence the protocol and endpoint: {@link ManagedIdentityEnvironment}) comes first
 * in the message, then the credential's own words. Exception classes are kept (metrics tag failures by class).
 *
 * <p>azure-identity is always asked, and it alone decides which protocol it speaks: the environment as read here
 * never stops a request. With {@code probe} (credential=managed-identity), the endpoint azure-identity will use is
 * checked, while azure-identity is asked, to accept a TCP connection. Only on a host where no variable names an
 * identity source ({@link ManagedIdentityEnvironment#noIdentityConfigured()}: IMDS at its fixed address is all that
 * is left) and that address refuses connections is azure-identity's answer awaited just
 * {@link #GRACE_AFTER_PROBE_MS} more, and then the failure named at once ("No managed identity is reachable ..."):
 * there azure-identity's retries would run into the fetch timeout (about 26 s against a refusing IMDS), and the
 * user learns why in seconds. Where an identity source is configured (workload identity, App Service, pod identity
 * ...), a failed probe proves nothing (its egress may be a proxy that a raw socket does not use, or the endpoint may
 * come up late): it is logged once and added to azure-identity's own failure. Once azure-identity has answered with
 * a token, the early cut is off for good.
 */
final class DiagnosingCredential implements TokenCredential {

    private static final Logger LOG = LoggerFactory.getLogger(DiagnosingCredential.class);
    static final int PROBE_TIMEOUT_MS = 2_000;
    /** How long azure-identity's answer is awaited after its endpoint was found to refuse connections. */
    static final int GRACE_AFTER_PROBE_MS = 2_000;

    private final TokenCredential delegate;
    private final ManagedIdentityEnvironment environment;
    private final boolean probe;
    /** Set once azure-identity returned a token: from then on a failed probe never ends a request early. */
    private volatile boolean answeredBefore;

    private final AtomicBoolean warnedUnreachable = new AtomicBoolean();

    DiagnosingCredential(TokenCredential delegate, ManagedIdentityEnvironment environment, boolean probe) {
        this.delegate = delegate;
        this.environment = environment;
        this.probe = probe;
    }

    @Override
    public AccessToken getTokenSync(TokenRequestContext request) {
        if (!probe || answeredBefore || environment.host() == null) {
            try {
                return answered(delegate.getTokenSync(request));
            } catch (RuntimeException e) {
                throw explained(e, null);
            }
        }
        // azure-identity first, on its own threads; the probe meanwhile on this one (a fetch thread of the library)
        CompletableFuture<AccessToken> answer = delegate.getToken(request).toFuture();
        String unreachable = environment.probe(PROBE_TIMEOUT_MS);
        try {
            if (unreachable == null) {
                return answered(answer.get());
            }
            if (!environment.noIdentityConfigured()) {
                if (warnedUnreachable.compareAndSet(false, true)) {
                    LOG.warn(
                            "{}: {}; azure-identity is still trying (it may reach it through a proxy, or the endpoint may start "
                                    + "later)",
                            environment.summary(),
                            unreachable);
                }
                return answered(answer.get());
            }
            return answered(answer.get(GRACE_AFTER_PROBE_MS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            answer.whenComplete((token, error) -> {
                if (token != null) { // late, but azure-identity did reach an identity: trust it from now on
                    answeredBefore = true;
                }
            });
            throw new CredentialUnavailableException(
                    "No managed identity is reachable from this host (" + environment.summary()
                            + "): " + unreachable + ", and azure-identity, asked at the same time, had not answered "
                            + (GRACE_AFTER_PROBE_MS / 1000)
                            + " s later. In Azure, turn the identity on (Identity blade) or attach the "
                            + "user-assigned one; on AKS, use workload identity (service account and pod label); locally use "
                            + "credential=default or azure-cli after az login");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw explained(re, unreachable);
            }
            throw explained(new IllegalStateException(cause), unreachable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer.cancel(true);
            throw new CredentialUnavailableException(
                    "interrupted while waiting for azure-identity's ManagedIdentityCredential", e);
        }
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.fromCallable(() -> getTokenSync(request));
    }

    private AccessToken answered(AccessToken token) {
        if (token != null) {
            answeredBefore = true;
        }
        return token;
    }

    private RuntimeException explained(RuntimeException e, String unreachable) {
        String message =
                "[" + environment.summary() + (unreachable == null ? "" : "; " + unreachable) + "] " + e.getMessage();
        if (e instanceof CredentialUnavailableException) {
            return new CredentialUnavailableException(message, e);
        }
        if (e instanceof ClientAuthenticationException cae) {
            return new ClientAuthenticationException(message, cae.getResponse(), e);
        }
        return e;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
