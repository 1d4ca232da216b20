package io.github.azuremi.jdbc.internal.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a setting's text becomes a value, with messages that name the setting: one place for the data source's
 * {@code Properties}, the JNDI attributes and the driver plugins' URL properties.
 */
public final class SettingValues {

    public static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** What a message may quote back: short, plain text; anything else could be a secret pasted into the wrong place. */
    private static final Pattern SHOWABLE = Pattern.compile("[A-Za-z0-9 ._:@,/-]{0,64}");

    private static final Pattern HIGH_ENTROPY = Pattern.compile("(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{20,}");
    /** Keys such as Azure AI services' are 32 hex digits: long runs of hex are not shown either. */
    private static final Pattern LONG_HEX = Pattern.compile("[0-9a-fA-F]{20,}");
    /** What a container leaves of a variable it could not resolve (Tomcat keeps ${AZURE_CLIENT_ID} as written). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_.:-]*}");

    private SettingValues() {}

    /**
     * {@code value} as an error message may show it: quoted when it is short plain text, otherwise only its length.
     * Messages reach logs: a client secret or a token pasted into the wrong setting must not go with them.
     */
    public static String shown(String value) {
        if (value == null) {
            return "nothing";
        }
        if (PLACEHOLDER.matcher(value.trim()).matches()) {
            return "the unresolved placeholder " + value.trim()
                    + " (the variable is not set where the container reads it)";
        }
        if (SHOWABLE.matcher(value).matches()
                && !HIGH_ENTROPY.matcher(value).matches()
                && !LONG_HEX.matcher(value).matches()) {
            return "\"" + value + "\"";
        }
        return "a value of " + value.length() + " characters (not shown: it may be a secret)";
    }

    public static boolean parseBoolean(String name, String value) {
        String v = value == null ? "" : value.trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(name + " must be true or false, was " + shown(value));
    }

    public static double parseDouble(String name, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " must be a number such as 0.5, was " + shown(value), e);
        }
    }

    /** Milliseconds, a number with a unit: ms, s, m, h, d (as HikariCP accepts them), or ISO-8601 (as Spring does). */
    public static long parseMillis(String name, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("p") || v.startsWith("-p")) {
                return java.time.Duration.parse(v).toMillis();
            }
            if (v.endsWith("ms")) {
                return Long.parseLong(v.substring(0, v.length() - 2).trim());
            }
            long unit = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 's' -> 1_000L;
                case 'm' -> 60_000L;
                case 'h' -> 3_600_000L;
                case 'd' -> 86_400_000L;
                default -> 0L;
            };
            if (unit == 0) {
                return Long.parseLong(v);
            }
            return Long.parseLong(v.substring(0, v.length() - 1).trim()) * unit;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    name + " must be milliseconds (e.g. 30000) or a duration such as 30s, " + "was " + shown(value), e);
        }
    }

    /**
     * Null when {@code clientId} is a GUID, else the message for {@code name}. An empty value is a mistake, not the
     * system-assigned identity: it is what an unset {@code ${AZURE_CLIENT_ID}} leaves, and the user meant an identity.
     */
    public static String clientIdProblem(String name, String clientId) {
        String id = clientId.trim();
        if (GUID.matcher(id).matches()) {
            return null;
        }
        String fix = " Find it with: az identity show -g <group> -n <name> --query clientId";
        if (id.isEmpty()) {
            return name
                    + " is set but empty (an unset variable such as ${AZURE_CLIENT_ID}?): give the client id of the "
                    + "user-assigned identity, or remove " + name + " to use the system-assigned identity." + fix;
        }
        if (PLACEHOLDER.matcher(id).matches()) {
            return name + " is " + shown(id) + ": set the variable (on App Service, an app setting), or remove " + name
                    + " to use the system-assigned identity";
        }
        if (id.length() == 32 && LONG_HEX.matcher(id).matches()) {
            return name + " is 32 hex digits without dashes (not shown); a client id is a GUID with its dashes, "
                    + "8-4-4-4-12 such as 1b2c3d4e-0000-1111-2222-333344445555." + fix;
        }
        if (id.regionMatches(true, 0, "/subscriptions/", 0, "/subscriptions/".length())) {
            return name + " is a resource id, but must be the client id (a GUID) of the user-assigned managed identity."
                    + " Find it with: az identity show --ids <the resource id> --query clientId";
        }
        if (id.contains("~") || HIGH_ENTROPY.matcher(id).matches()) {
            return name + " has the shape of a client secret (not shown), but must be the client id (a GUID) of a "
                    + "user-assigned managed identity: this library logs in without secrets. Remove the secret, and rotate "
                    + "it if it was stored or logged elsewhere." + fix;
        }
        return name + " must be the client id (a GUID such as 1b2c3d4e-0000-1111-2222-333344445555) of a user-assigned "
                + "managed identity, but was " + shown(clientId) + "." + fix;
    }

    /** Null when {@code tenantId} is a GUID or a domain, else the message for {@code name}; empty is a mistake. */
    public static String tenantIdProblem(String name, String tenantId) {
        String id = tenantId.trim();
        if (GUID.matcher(id).matches()
                || !id.isEmpty() && id.contains(".") && SHOWABLE.matcher(id).matches()) {
            return null;
        }
        if (id.isEmpty()) {
            return name + " is set but empty (an unset variable such as ${AZURE_TENANT_ID}?): give the tenant GUID or "
                    + "domain, or remove " + name;
        }
        return name + " must be a tenant GUID or a domain such as contoso.onmicrosoft.com, but was " + shown(tenantId);
    }
}
