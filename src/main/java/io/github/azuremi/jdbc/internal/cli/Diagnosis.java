package io.github.azuremi.jdbc.internal.cli;

import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.token.Redaction;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What went wrong, in plain words, and what fixes it: the common failures of token logins, recognised
 * from the exception chain (types, SQLStates, vendor codes and the drivers' well-known messages).
 *
 * @param problem     a short name of the failure
 * @param explanation what it means
 * @param fix         what to do
 */
record Diagnosis(String problem, String explanation, String fix) {

    /** A failure to get a token. */
    static Diagnosis ofTokenFailure(Throwable failure, String credential) {
        String text = chainText(failure);
        if (has(failure, "CredentialUnavailableException")
                || containsAny(
                        text,
                        "unable to load the requested managed identity",
                        "no managed identity endpoint found",
                        "managedidentitycredential authentication unavailable",
                        "identity not found",
                        "managed identity is not available",
                        "imds",
                        "environment variables are not fully configured")) {
            return new Diagnosis(
                    "no identity on this host",
                    credential
                            + " could not get a token: this host has no managed identity, or not the one the client id "
                            + "names (" + shortText(failure) + ")",
                    "In the App Service app (or VM, Container App...): Identity -> turn on the system-assigned identity, or add "
                            + "the user-assigned identity and pass its client id (--client-id; in the app: managedIdentityClientId, "
                            + "e.g. from the app setting AZURE_CLIENT_ID). On a developer machine, sign in with `az login` and use "
                            + "--credential azure-cli (or default).");
        }
        return new Diagnosis(
                "no token",
                credential + " failed: " + shortText(failure),
                "Check the identity and the credential settings; run with --credential managed-identity in Azure, "
                        + "--credential azure-cli on a developer machine.");
    }

    /** A token whose audience is not the database's. */
    static Diagnosis ofWrongAudience(String audience, String expected, Dialect dialect) {
        return new Diagnosis(
                "wrong audience / scope",
                "The token is for " + audience + ", but " + dialect.displayName() + " on Azure accepts only tokens for "
                        + expected + ": the server would refuse it (as a wrong password).",
                "Leave tokenScope unset (the library derives " + expected + "/.default from the URL), or set it to "
                        + expected + "/.default.");
    }

    /** A refused configuration or a failed login. */
    static Diagnosis ofLoginFailure(Throwable failure, Dialect dialect, String host, String username) {
        String text = chainText(failure);
        if (failure instanceof IllegalArgumentException) {
            if (containsAny(text, "run without tls", "without verifying", "accept any certificate")) {
                return tlsRequired(dialect, text);
            }
            if (containsAny(text, "scope")) {
                return new Diagnosis(
                        "wrong audience / scope",
                        shortText(failure),
                        "Leave tokenScope unset: the library derives the scope from the URL.");
            }
            return new Diagnosis("configuration refused", shortText(failure), "Change the setting the message names.");
        }
        if (has(failure, ConnectException.class)
                || has(failure, UnknownHostException.class)
                || has(failure, NoRouteToHostException.class)
                || has(failure, SocketTimeoutException.class)
                || containsAny(
                        text,
                        "connection refused",
                        "communications link failure",
                        "the tcp/ip connection to the host",
                        "connect timed out",
                        "connection attempt failed",
                        "unknownhostexception",
                        "name or service not known")) {
            return new Diagnosis(
                    "host unreachable (firewall, host name or port)",
                    "No network connection to " + host + " could be opened: " + shortText(failure),
                    "Check the host name and port in the URL. On Azure, allow this app in the server's Networking settings "
                            + "(firewall rule for the app's outbound IP addresses, or VNet integration with a private endpoint), "
                            + "and from a laptop add your own IP address.");
        }
        if (containsAny(
                text, "mysql_clear_password", "clear_password", "clear-text", "cleartext", "authentication plugin")) {
            return new Diagnosis(
                    "clear-text plugin not allowed",
                    "MySQL takes the token as a clear-text password (mysql_clear_password), which Connector/J only sends over "
                            + "TLS and only when the plugin is allowed: " + shortText(failure),
                    "Keep TLS on (no sslMode=DISABLED / useSSL=false) and do not set authenticationPlugins, "
                            + "defaultAuthenticationPlugin or disabledAuthenticationPlugins yourself: the library sets them to "
                            + "Connector/J's MysqlClearPasswordPlugin.");
        }
        if (containsAny(
                text,
                "ssl off",
                "no encryption",
                "insecure transport",
                "ssl connection is required",
                "requires ssl",
                "require_secure_transport",
                "does not support ssl",
                "ssl is not enabled",
                "encryption")) {
            return tlsRequired(dialect, text);
        }
        if (failure instanceof java.sql.SQLInvalidAuthorizationSpecException
                || isAuthFailure(failure, dialect)
                || containsAny(
                        text,
                        "login failed for token-identified principal",
                        "password authentication failed",
                        "access denied for user")) {
            String who = username == null ? "the identity" : "\"" + username + "\"";
            return new Diagnosis(
                    "the identity has no database role",
                    dialect.displayName() + " refused the token for " + who
                            + ": there is no database user mapped to this "
                            + "identity, or the username is not its name (" + dialect.displayName() + " says: "
                            + shortText(deepestSql(failure)) + ")",
                    dialect.roleFix());
        }
        return new Diagnosis("login failed", shortText(failure), "See the message above.");
    }

    private static Diagnosis tlsRequired(Dialect dialect, String text) {
        String secure = dialect.secureTransportSetting();
        boolean serverLacksTls = containsAny(text, "does not support ssl", "ssl is not enabled");
        return new Diagnosis(
                "TLS required",
                serverLacksTls
                        ? "The client requires TLS, as a token must only travel encrypted, but the server does not offer it."
                        : "A token is a bearer credential, so it must only travel over TLS; Azure's servers refuse, and the "
                                + "library does not open, connections without it.",
                serverLacksTls
                        ? "Enable TLS on the server (Azure's servers always have it)."
                        : "Remove the setting that turns TLS off and use " + secure
                                + " (or leave it unset: the library's default " + "is encrypted).");
    }

    private static boolean isAuthFailure(Throwable failure, Dialect dialect) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && dialect.isAuthFailure(sql.getSQLState(), sql.getErrorCode())) {
                return true;
            }
        }
        return false;
    }

    private static Throwable deepestSql(Throwable failure) {
        Throwable deepest = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException) {
                deepest = t;
            }
        }
        return deepest;
    }

    private static boolean has(Throwable failure, Class<?> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(Throwable failure, String simpleName) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().equals(simpleName)) {
                return true;
            }
        }
        return false;
    }

    /** Every message of the chain, lower-cased, for matching; never printed. */
    static String chainText(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            sb.append(t.getClass().getSimpleName())
                    .append(": ")
                    .append(t.getMessage())
                    .append(" | ");
            for (Throwable s : t.getSuppressed()) {
                sb.append(s.getClass().getSimpleName())
                        .append(": ")
                        .append(s.getMessage())
                        .append(" | ");
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * The most telling message of the chain, scrubbed of anything token-shaped: azure-identity wraps the
     * endpoint's answer ("see inner exception"), Hikari wraps the driver's.
     */
    static String shortText(Throwable failure) {
        Throwable best = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null
                    && !m.isBlank()
                    && !m.toLowerCase(Locale.ROOT).contains("see inner exception")
                    && !(t.getCause() != null && m.equals(String.valueOf(t.getCause())))) {
                best = t;
                if (!(t instanceof RuntimeException) || t.getCause() == null) {
                    break;
                }
            }
        }
        return Redaction.describe(best);
    }

    private static boolean containsAny(String text, String... needles) {
        for (String needle : needles) {
            if (text.contains(needle)) {
                return true;
            }
        }
        return false;
    }
}
