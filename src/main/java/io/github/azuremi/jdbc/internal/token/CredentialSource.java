package io.github.azuremi.jdbc.internal.token;

import com.azure.core.credential.TokenCredential;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where tokens come from: an azure-identity {@link TokenCredential}, built lazily, once, and shared by all
 * pools that name the same identity. Two sources are equal when they describe the same identity (for the
 * built-in credential types: type, client id and tenant) or, for a credential supplied by the user, when
 * they wrap the same instance.
 */
public final class CredentialSource {

    private final Object identity;
    private final String description;
    private final Supplier<TokenCredential> factory;
    private volatile TokenCredential credential;

    private CredentialSource(Object identity, String description, Supplier<TokenCredential> factory) {
        this.identity = Objects.requireNonNull(identity);
        this.description = Objects.requireNonNull(description);
        this.factory = Objects.requireNonNull(factory);
    }

    /** A credential built on first use by {@code factory}, identified by {@code id}. */
    public static CredentialSource of(String id, String description, Supplier<TokenCredential> factory) {
        return new CredentialSource(id, description, factory);
    }

    /** A credential the user built; identified by the instance. */
    public static CredentialSource of(TokenCredential credential) {
        Objects.requireNonNull(credential, "credential");
        return new CredentialSource(
                new InstanceIdentity(credential),
                "custom TokenCredential (" + credential.getClass().getName() + ")",
                () -> credential);
    }

    /** The credential; built on first call. Thread-safe. */
    public TokenCredential credential() {
        TokenCredential result = credential;
        if (result == null) {
            synchronized (this) {
                result = credential;
                if (result == null) {
                    result = Objects.requireNonNull(factory.get(), "credential factory returned null");
                    credential = result;
                }
            }
        }
        return result;
    }

    /** For messages and logs: the credential type and the identity, never a secret. */
    public String description() {
        return description;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CredentialSource other && identity.equals(other.identity);
    }

    @Override
    public int hashCode() {
        return identity.hashCode();
    }

    @Override
    public String toString() {
        return description;
    }

    /** Identity equality for user-supplied credentials, whatever their own equals does. */
    private record InstanceIdentity(TokenCredential credential) {
        @Override
        public boolean equals(Object o) {
            return o instanceof InstanceIdentity other && other.credential == credential;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(credential);
        }
    }
}
