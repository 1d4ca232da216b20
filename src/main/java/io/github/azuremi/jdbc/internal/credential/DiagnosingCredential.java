package io.github.azuremi.jdbc.internal.credential;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.identity.CredentialUnavailableException;
import reactor.core.publisher.Mono;

/**
 * Wraps a credential that uses a managed identity so that a failure names its cause: the environment that
 * was detected (which of IDENTITY_ENDPOINT, MSI_ENDPOINT, IMDS_ENDPOINT are set, hence the protocol) comes
 * first in the message, then the credential's own words. With {@code probe}, the endpoint is first checked
 * to accept a TCP connection at all (2 s at most): on a host without a managed identity the answer is
 * "unreachable, and why" in seconds, instead of azure-identity's retries running into the fetch timeout.
 * Exception classes are kept (metrics tag failures by class).
 */
final class DiagnosingCredential implements TokenCredential {

  static final int PROBE_TIMEOUT_MS = 2_000;

  private final TokenCredential delegate;
  private final ManagedIdentityEnvironment environment;
  private final boolean probe;

  DiagnosingCredential(TokenCredential delegate, ManagedIdentityEnvironment environment, boolean probe) {
    this.delegate = delegate;
    this.environment = environment;
    this.probe = probe;
  }

  @Override
  public AccessToken getTokenSync(TokenRequestContext request) {
    if (probe) {
      String unreachable = environment.probe(PROBE_TIMEOUT_MS);
      if (unreachable != null) {
        throw new CredentialUnavailableException("No managed identity is reachable from this host (" + environment.summary()
            + "): " + unreachable + ". In Azure, turn the identity on (Identity blade) or attach the user-assigned one; "
            + "locally use credential=default or azure-cli after az login");
      }
    }
    try {
      return delegate.getTokenSync(request);
    } catch (RuntimeException e) {
      throw explained(e);
    }
  }

  @Override
  public Mono<AccessToken> getToken(TokenRequestContext request) {
    return Mono.fromCallable(() -> getTokenSync(request));
  }

  private RuntimeException explained(RuntimeException e) {
    String message = "[" + environment.summary() + "] " + e.getMessage();
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
