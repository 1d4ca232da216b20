package io.github.azuremi.jdbc.internal.config;

import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The names a driver plugin recognises among everything a driver hands it, and what is wrong with a name that is
 * almost one of them. Drivers pass unknown names on silently, so a misspelt setting would otherwise be ignored.
 */
public final class SettingNames {

    /** Names of azure-identity-extensions that carry a secret or a way of login this library does not offer. */
    static final List<String> AZURE_REFUSED = List.of(
            "azure.clientSecret",
            "azure.clientCertificatePath",
            "azure.clientCertificatePassword",
            "azure.username",
            "azure.password");

    static final List<String> AZURE_UNSUPPORTED = List.of("azure.claims", "azure.tokenCredentialProviderClassName");
    private static final String AZURE = "azure.";

    /** This library's names and the azure.* names it knows, as the plugins accept them. */
    private static final Set<String> EXACT = new HashSet<>();

    private static final List<String> OWN = new ArrayList<>();
    private static final List<String> AZURE_KNOWN = new ArrayList<>();
    /** Lengths of this library's names: a name of another length cannot be a misspelling of one of them. */
    private static final Set<Integer> OWN_LENGTHS = new HashSet<>();

    static {
        for (Setting<?> s : Settings.on(Surface.PLUGIN)) {
            (s.name().startsWith(AZURE) ? AZURE_KNOWN : OWN).add(s.name());
            s.aliases().forEach(a -> AZURE_KNOWN.add(a.name()));
            if (s.formerName() != null) {
                OWN.add(s.formerName());
            }
        }
        EXACT.addAll(OWN);
        EXACT.addAll(AZURE_KNOWN);
        OWN.forEach(n -> OWN_LENGTHS.add(n.length()));
        OWN.sort(null);
    }

    private SettingNames() {}

    /** Whether {@code name} is a setting the plugins read, spelt exactly. */
    public static boolean isPluginSetting(String name) {
        return EXACT.contains(name);
    }

    /** Null for a name that is none of ours (the driver's own, say); else why it is wrong. Cheap for most names. */
    public static String unknownNameProblem(String name) {
        boolean azure = name.regionMatches(true, 0, AZURE, 0, AZURE.length());
        if (!azure && !OWN_LENGTHS.contains(name.length())) {
            return null; // Connector/J hands over all of its ~175 properties: most are ruled out here
        }
        for (String ours : OWN) {
            if (name.equalsIgnoreCase(ours)) {
                return name + " is not a setting: the name is " + ours + " (names are case-sensitive)";
            }
        }
        if (!azure) {
            return null;
        }
        for (String refused : AZURE_REFUSED) {
            if (name.equalsIgnoreCase(refused)) {
                return name + " is a secret (or a user's password), and this library logs in without secrets: use the "
                        + "application's managed identity (credential=managed-identity, managedIdentityClientId for a "
                        + "user-assigned one) or workload identity; for a service principal, credential=environment reads "
                        + "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET from the environment. Remove " + name;
            }
        }
        for (String unsupported : AZURE_UNSUPPORTED) {
            if (name.equalsIgnoreCase(unsupported)) {
                return name + " is not supported by this library's plugins; remove it (for a credential of your own, "
                        + "use ManagedIdentityDataSource.setTokenCredential)";
            }
        }
        for (String known : AZURE_KNOWN) {
            if (name.equalsIgnoreCase(known)) {
                return name + " is not a setting: the name is " + known + " (names are case-sensitive)";
            }
        }
        return name + " is not an azure-identity-extensions setting this library knows; known: "
                + String.join(", ", AZURE_KNOWN) + " (and this library's own: " + String.join(", ", OWN) + ")";
    }

    /**
     * Every name a plugin reads or refuses: this library's names, their former names, the {@code azure.*} names it
     * knows and those it refuses. For a surface that cannot list what it was given (R2DBC's options can only be asked
     * for by name), so that it looks each of them up.
     */
    public static List<String> readOrRefused() {
        List<String> names = new ArrayList<>(EXACT);
        names.addAll(AZURE_REFUSED);
        names.addAll(AZURE_UNSUPPORTED);
        names.sort(null);
        return names;
    }

    /** The azure.* names the plugins accept, in the catalogue's order (README lists them). */
    public static List<String> azureNames() {
        return List.copyOf(AZURE_KNOWN);
    }
}
