package io.github.azuremi.jdbc;

import java.util.Locale;

/** The values of the {@code credential} setting: which azure-identity credential fetches tokens. */
public enum CredentialType {

    /** DefaultAzureCredential: managed identity in Azure, the developer's own sign-in (CLI, IDE) locally. */
    DEFAULT("default"),
    /** ManagedIdentityCredential only: no probing of a chain; what production should use. */
    MANAGED_IDENTITY("managed-identity"),
    /** WorkloadIdentityCredential: AKS workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE). */
    WORKLOAD_IDENTITY("workload-identity"),
    /** AzureCliCredential: the account of {@code az login}. */
    AZURE_CLI("azure-cli"),
    /** EnvironmentCredential: a service principal from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET etc. */
    ENVIRONMENT("environment");

    private final String settingValue;

    CredentialType(String settingValue) {
        this.settingValue = settingValue;
    }

    /** The value as written in configuration, e.g. {@code managed-identity}. */
    public String settingValue() {
        return settingValue;
    }

    /** Parses a setting value; accepts the enum names too (MANAGED_IDENTITY). Null if unknown. */
    public static CredentialType fromSetting(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (CredentialType type : values()) {
            if (type.settingValue.equals(v)) {
                return type;
            }
        }
        return null;
    }
}
