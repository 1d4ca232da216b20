package io.github.azuremi.jdbc.internal.db;

import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/** Settings that fight a token login, per kind of login; each check returns the message (naming the fix) or null. */
final class CredentialChecks {

    private CredentialChecks() {}

    /** PostgreSQL and MySQL: the token is the password of {@code username}. */
    static String forPasswordLogin(Dialect dialect, String jdbcUrl, Properties props, String username) {
        boolean passwordInUrl = hasUrlParameter(jdbcUrl, "password");
        if (passwordInUrl || containsKeyIgnoreCase(props, "password")) {
            return "a password is set in " + (passwordInUrl ? "jdbcUrl" : "dataSourceProperties")
                    + ": the password of each connection is the access token that ManagedIdentityDataSource fetches. Remove it";
        }
        boolean userInUrl = hasUrlParameter(jdbcUrl, "user");
        if (userInUrl || containsKeyIgnoreCase(props, "user")) {
            return "set the database user with the username setting, not as user= in "
                    + (userInUrl ? "jdbcUrl" : "dataSourceProperties");
        }
        if (username == null || username.isBlank()) {
            return "username is required for " + dialect.displayName() + ": set it to the name of the database "
                    + dialect.principalWord()
                    + " mapped to this identity. For a managed identity that is the name given when "
                    + "the Entra admin created it (" + dialect.createPrincipalExample()
                    + "), usually the identity's name; for "
                    + "a developer it is the sign-in name (UPN), e.g. alice@contoso.com";
        }
        return null;
    }

    private static final List<String> SQLSERVER_CONFLICTS = List.of(
            "user",
            "userName",
            "password",
            "authentication",
            "accessToken",
            "accessTokenCallbackClass",
            "integratedSecurity",
            "authenticationScheme",
            "msiClientId",
            "aadSecurePrincipalId",
            "aadSecurePrincipalSecret");

    /**
     * SQL Server identifies the login by the token alone: any user, password or other authentication setting would
     * make mssql-jdbc refuse the token or try another login (a known failure of peers).
     */
    static String forAccessTokenLogin(String jdbcUrl, Properties props, String username) {
        if (username != null && !username.isBlank()) {
            return "username must not be set for SQL Server: Azure SQL Database identifies the login by the "
                    + "access token (the identity is the user, created with CREATE USER [<identity name>] FROM EXTERNAL "
                    + "PROVIDER). Remove username";
        }
        for (String key : SQLSERVER_CONFLICTS) {
            boolean inUrl = hasUrlParameter(jdbcUrl, key);
            if (inUrl || containsKeyIgnoreCase(props, key)) {
                return key + " is set in " + (inUrl ? "jdbcUrl" : "dataSourceProperties") + ", which conflicts "
                        + "with token login: ManagedIdentityDataSource passes the access token through mssql-jdbc's access-token "
                        + "callback, and the driver refuses a token together with user, password, authentication, accessToken "
                        + "or integratedSecurity. Remove " + key;
            }
        }
        return null;
    }

    /** Whether a ?a=b&amp;c=d or ;a=b;c=d parameter of that name (any case) is in the URL. */
    static boolean hasUrlParameter(String jdbcUrl, String name) {
        return Pattern.compile("[?&;(]\\s*" + Pattern.quote(name) + "\\s*=", Pattern.CASE_INSENSITIVE)
                .matcher(jdbcUrl)
                .find();
    }

    static boolean containsKeyIgnoreCase(Properties properties, String key) {
        for (Object k : properties.keySet()) {
            if (k instanceof String s && s.equalsIgnoreCase(key)) {
                return true;
            }
        }
        return false;
    }
}
