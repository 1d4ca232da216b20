package io.github.azuremi.jdbc.internal.credential;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.EnvironmentCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.internal.token.CredentialSource;

/**
 * Builds the azure-identity credential a {@code credential} setting names. The credential is built once
 * per identity (the first time a token is needed) and shared by every pool of that identity.
 */
public final class CredentialFactory {

    private CredentialFactory() {}

    public static CredentialSource source(CredentialType type, String clientId, String tenantId) {
        String id = type.settingValue() + "|" + nullToEmpty(clientId) + "|" + nullToEmpty(tenantId);
        return CredentialSource.of(
                id, describe(type, clientId, tenantId), () -> diagnosing(type, build(type, clientId, tenantId)));
    }

    /**
     * Managed identity: failures say which environment azure-identity reads and, for credential=managed-identity,
     * an endpoint that does not even accept a connection (while azure-identity, asked at the same time, has no
     * answer) fails in seconds with the network error.
     */
    static TokenCredential diagnosing(CredentialType type, TokenCredential credential) {
        if (type != CredentialType.MANAGED_IDENTITY && type != CredentialType.DEFAULT) {
            return credential;
        }
        return new DiagnosingCredential(
                credential, ManagedIdentityEnvironment.ofThisProcess(), type == CredentialType.MANAGED_IDENTITY);
    }

    static String describe(CredentialType type, String clientId, String tenantId) {
        String name = switch (type) {
            case DEFAULT -> "DefaultAzureCredential";
            case MANAGED_IDENTITY -> "ManagedIdentityCredential";
            case WORKLOAD_IDENTITY -> "WorkloadIdentityCredential";
            case AZURE_CLI -> "AzureCliCredential";
            case ENVIRONMENT -> "EnvironmentCredential";
        };
        StringBuilder sb = new StringBuilder(name).append(" (credential=").append(type.settingValue());
        if (clientId != null) {
            sb.append(", managedIdentityClientId=").append(clientId);
        } else if (type == CredentialType.DEFAULT || type == CredentialType.MANAGED_IDENTITY) {
            sb.append(", system-assigned identity");
        }
        if (tenantId != null) {
            sb.append(", tenantId=").append(tenantId);
        }
        return sb.append(')').toString();
    }

    static TokenCredential build(CredentialType type, String clientId, String tenantId) {
        switch (type) {
            case DEFAULT: {
                DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder();
                if (clientId != null) {
                    builder.managedIdentityClientId(clientId);
                    builder.workloadIdentityClientId(clientId);
                }
                if (tenantId != null) {
                    builder.tenantId(tenantId);
                }
                return builder.build();
            }
            case MANAGED_IDENTITY: {
                ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder();
                if (clientId != null) {
                    builder.clientId(clientId);
                }
                return builder.build();
            }
            case WORKLOAD_IDENTITY: {
                WorkloadIdentityCredentialBuilder builder = new WorkloadIdentityCredentialBuilder();
                if (clientId != null) {
                    builder.clientId(clientId);
                }
                if (tenantId != null) {
                    builder.tenantId(tenantId);
                }
                return builder.build();
            }
            case AZURE_CLI: {
                AzureCliCredentialBuilder builder = new AzureCliCredentialBuilder();
                if (tenantId != null) {
                    builder.tenantId(tenantId);
                }
                return builder.build();
            }
            case ENVIRONMENT:
                return new EnvironmentCredentialBuilder().build();
            default:
                throw new IllegalArgumentException("unknown credential type " + type);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
