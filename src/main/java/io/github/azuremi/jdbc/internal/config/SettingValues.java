package io.github.azuremi.jdbc.internal.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a setting's text becomes a value, with messages that name the setting: one place for the data source's
 * {@code Properties}, the JNDI attributes and the driver plugins' URL properties.
 */
public final class SettingValues {

  public static final Pattern GUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private SettingValues() {}

  public static boolean parseBoolean(String name, String value) {
    String v = value == null ? "" : value.trim();
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException(name + " must be true or false, was \"" + value + "\"");
  }

  public static double parseDouble(String name, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + " must be a number such as 0.5, was \"" + value + "\"", e);
    }
  }

  /** Milliseconds, or a number with a unit: ms, s, m, h, d (as HikariCP accepts them). */
  public static long parseMillis(String name, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    try {
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
      throw new IllegalArgumentException(name + " must be milliseconds (e.g. 30000) or a duration such as 30s, "
          + "was \"" + value + "\"", e);
    }
  }

  /** Null when {@code clientId} is a GUID, else the message for {@code name}. */
  public static String clientIdProblem(String name, String clientId) {
    if (GUID.matcher(clientId.trim()).matches()) {
      return null;
    }
    return name + " must be the client id (a GUID such as 1b2c3d4e-0000-1111-2222-333344445555) of a user-assigned "
        + "managed identity, but was \"" + clientId + "\". Find it with: az identity show -g <group> -n <name> "
        + "--query clientId";
  }

  /** Null when {@code tenantId} is a GUID or a domain, else the message for {@code name}. */
  public static String tenantIdProblem(String name, String tenantId) {
    if (GUID.matcher(tenantId.trim()).matches() || tenantId.contains(".")) {
      return null;
    }
    return name + " must be a tenant GUID or a domain such as contoso.onmicrosoft.com, but was \"" + tenantId + "\"";
  }
}
