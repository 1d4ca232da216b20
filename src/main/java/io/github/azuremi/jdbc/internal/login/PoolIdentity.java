package io.github.azuremi.jdbc.internal.login;

import com.azure.core.credential.TokenCredential;
import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.token.CredentialSource;

/**
 * The identity a data source was given, as its setters hold it: a {@code TokenCredential} of the application's, or
 * the settings that name one (unchecked here: {@link IdentitySettings} checks them).
 *
 * @param custom   the application's credential, or null
 * @param credential the credential setting as set, or null
 * @param clientId the managedIdentityClientId setting as set, or null
 * @param tenantId the tenantId setting as set, or null
 */
public record PoolIdentity(TokenCredential custom, String credential, String clientId, String tenantId) {

    /** Whether a setting that names an identity was set besides the application's credential (they conflict). */
    boolean conflicts() {
        return custom != null && (credential != null || clientId != null || tenantId != null);
    }

    /** The credential the tokens come from. */
    CredentialSource source(IdentitySettings checked) {
        return custom != null
                ? CredentialSource.of(custom)
                : CredentialFactory.source(checked.credential(), checked.clientId(), checked.tenantId());
    }

    /** The identity as a metric tag: the client id, or the credential type; never a secret. */
    public String metricTag() {
        if (custom != null) {
            return "custom:" + custom.getClass().getSimpleName();
        }
        if (clientId != null) {
            return clientId.trim();
        }
        return (credential == null ? CredentialType.DEFAULT.settingValue() : credential)
                + (tenantId == null ? "" : "@" + tenantId.trim());
    }
}
