package io.github.azuremi.jdbc.internal.cli;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.github.azuremi.jdbc.CredentialType;
import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.Setting;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.config.SettingValues;
import io.github.azuremi.jdbc.internal.config.Settings;
import io.github.azuremi.jdbc.internal.credential.CredentialFactory;
import io.github.azuremi.jdbc.internal.db.Dialect;
import io.github.azuremi.jdbc.internal.login.LoginPlan;
import io.github.azuremi.jdbc.internal.login.LoginScope;
import io.github.azuremi.jdbc.internal.token.CredentialSource;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code check}: diagnoses one connection the way the library would open it, step by step: which credential
 * produced a token and how long that took; the claims that matter (never the token); the database user the
 * identity should log in as, and the rule that says so; a test login with {@code SELECT} of the current user.
 * On failure it names the problem and the fix. Exit status 0 when the login works, 1 when something failed,
 * 2 for a usage error.
 */
public final class CheckCommand {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    public static final String USAGE_TEXT = """
      Usage: check --url <jdbc url> [options]
        --url <jdbc url>        the application's JDBC URL (jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver:)
        --username <name>       the database user (PostgreSQL, MySQL); inferred from the token when left out
        --client-id <guid>      client id of a user-assigned managed identity
        --credential <type>     default (the default), managed-identity, workload-identity, azure-cli, environment
        --tenant-id <tenant>    Entra tenant, for credentials that take one
        --scope <scope>         token scope; derived from the URL when left out
        --timeout <seconds>     longest wait for the token and for the login (default 30)
      Exit status: 0 when the test login works, 1 when it does not, 2 for a usage error.
      The token itself is never printed.""";

    private final PrintStream out;
    private String url;
    private String username;
    private String clientId;
    private CredentialType credential = CredentialType.DEFAULT;
    private String tenantId;
    private String scope;
    private Duration timeout = Duration.ofSeconds(30);

    public CheckCommand(PrintStream out) {
        this.out = Objects.requireNonNull(out);
    }

    public int run(String[] args) {
        String usageError = parse(args);
        if (usageError != null) {
            out.println(usageError.isEmpty() ? USAGE_TEXT : "check: " + usageError + "\n\n" + USAGE_TEXT);
            return usageError.isEmpty() ? OK : USAGE;
        }
        Dialect dialect = Dialect.forJdbcUrl(url);
        String host;
        try {
            if (dialect == null) {
                throw new IllegalArgumentException("not a jdbc:postgresql:, jdbc:mysql: or jdbc:sqlserver: URL");
            }
            // read as the driver reads it; whether the transport is acceptable is the login's verdict (step 4)
            host = LoginPlan.hostOf(dialect, url);
        } catch (IllegalArgumentException e) {
            out.println("check: --url cannot be used: " + e.getMessage());
            return USAGE;
        }
        // the login's own derivation; a named scope is checked by the login's start-up checks (step 4)
        String effectiveScope = scope != null ? scope : LoginScope.derived(dialect, null, host);
        out.println("Checking " + dialect.displayName() + " at " + host);
        line("scope", effectiveScope + (scope == null ? "  (derived from the URL)" : "  (--scope)"));

        // 1. Token
        out.println();
        out.println("1. Token");
        CredentialType type = credential;
        CredentialSource source = CredentialFactory.source(type, clientId, tenantId);
        line("credential", source.description());
        TokenCredential tokenCredential;
        AccessToken token;
        long started = System.nanoTime();
        try {
            tokenCredential = source.credential();
            token = fetch(tokenCredential, effectiveScope);
        } catch (Exception e) {
            Throwable failure = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            line("result", "FAILED after " + millisSince(started) + " ms");
            return fail("token", Diagnosis.ofTokenFailure(failure, source.description()));
        }
        long tokenMillis = millisSince(started);
        TokenClaims claims = TokenClaims.of(token.getToken());
        line("result", "OK in " + tokenMillis + " ms, from " + producedBy(type, claims));

        // 2. Claims
        out.println();
        out.println("2. Claims (the token itself is not shown)");
        String expectedAudience = dialect.defaultAudience(host);
        String audience = claims.audience();
        boolean audienceOk = audience == null || audienceMatches(audience, expectedAudience) || isGuid(audience);
        line(
                "audience",
                orDash(audience)
                        + (audience == null
                                ? ""
                                : audienceMatches(audience, expectedAudience)
                                        ? "  OK, the audience of " + dialect.displayName()
                                        : isGuid(audience)
                                                ? "  (an application id: not checked)"
                                                : "  WRONG: " + dialect.displayName() + " expects "
                                                        + expectedAudience));
        line("tenant", orDash(claims.tenant()));
        line("object id", orDash(claims.objectId()));
        line("app id", orDash(claims.appId()));
        line("upn", orDash(claims.userPrincipalName()));
        line(
                "identity",
                claims.isEmpty()
                        ? "-"
                        : claims.principalKind()
                                + (claims.managedIdentityResourceId() != null
                                        ? " " + claims.managedIdentityResourceId()
                                        : ""));
        Instant expires = token.getExpiresAt().toInstant();
        line(
                "expires",
                expires.truncatedTo(ChronoUnit.SECONDS) + "  (in "
                        + humanDuration(Duration.between(Instant.now(), expires)) + ")");
        if (!audienceOk) {
            return fail("claims", Diagnosis.ofWrongAudience(audience, expectedAudience, dialect));
        }

        // 3. Database user
        out.println();
        out.println("3. Database user");
        UsernameRule inferred = UsernameRule.infer(claims, dialect);
        String user;
        if (!dialect.loginWithUsername()) {
            user = null;
            line("username", "none  (rule: " + inferred.rule() + ")");
            if (username != null) {
                out.println("  note        --username is ignored for SQL Server");
            }
        } else if (username != null) {
            user = username;
            line("username", username + "  (rule: given with --username)");
            if (inferred.username() != null && !inferred.username().equals(username)) {
                out.println("  note        the token suggests \"" + inferred.username() + "\": " + inferred.rule());
            }
        } else if (inferred.username() != null) {
            user = inferred.username();
            line("username", user + "  (rule: " + inferred.rule() + ")");
        } else {
            line("username", "unknown  (rule: " + inferred.rule() + ")");
            return fail(
                    "username",
                    new Diagnosis(
                            "no username",
                            "The database user of this identity cannot be inferred " + "from its token.",
                            "Pass --username with the role name the Entra admin created for it."));
        }

        // 4. Login
        out.println();
        out.println("4. Login");
        started = System.nanoTime();
        try (ManagedIdentityDataSource ds = dataSource(tokenCredential, user)) {
            ds.validate(); // the pool's own start-up checks (TLS, conflicting settings), before any connection
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(dialect.currentUserSql())) {
                rs.next();
                String current = rs.getString(1);
                line(
                        "result",
                        "OK in " + millisSince(started) + " ms: " + dialect.currentUserSql() + " returned \"" + current
                                + "\"");
            }
        } catch (Exception e) {
            line("result", "FAILED after " + millisSince(started) + " ms");
            return fail("login", Diagnosis.ofLoginFailure(e, dialect, host, user));
        }
        out.println();
        out.println("RESULT: OK - " + source.description() + " logs in to " + dialect.displayName()
                + (user == null ? "" : " as " + user));
        return OK;
    }

    private ManagedIdentityDataSource dataSource(TokenCredential tokenCredential, String user) {
        ManagedIdentityDataSource ds = new ManagedIdentityDataSource();
        ds.setPoolName("check");
        ds.setJdbcUrl(url);
        if (user != null) {
            ds.setUsername(user);
        }
        // the very credential that produced the token above: the login uses what was just shown
        ds.setTokenCredential(tokenCredential);
        if (scope != null) {
            ds.setTokenScope(scope);
        }
        ds.setMaximumPoolSize(1);
        ds.setMinimumIdle(0);
        ds.setConnectionTimeout(Math.max(250, timeout.toMillis()));
        ds.setTokenFetchTimeout(Math.max(250, timeout.toMillis()));
        return ds;
    }

    private AccessToken fetch(TokenCredential tokenCredential, String tokenScope) throws Exception {
        TokenRequestContext request = new TokenRequestContext().addScopes(tokenScope);
        if (tenantId != null) {
            request.setTenantId(tenantId);
        }
        CompletableFuture<AccessToken> call =
                CompletableFuture.supplyAsync(() -> tokenCredential.getTokenSync(request));
        try {
            AccessToken token = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (token == null || token.getToken() == null || token.getExpiresAt() == null) {
                throw new IllegalStateException("the credential returned no token");
            }
            return token;
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new TimeoutException("no token within " + timeout.toSeconds() + " s (--timeout)");
        }
    }

    /** The credential that answered; for {@code default}, the link of DefaultAzureCredential's chain the token shows. */
    private static String producedBy(CredentialType type, TokenClaims claims) {
        if (type != CredentialType.DEFAULT) {
            return switch (type) {
                case MANAGED_IDENTITY -> "ManagedIdentityCredential";
                case WORKLOAD_IDENTITY -> "WorkloadIdentityCredential";
                case AZURE_CLI -> "AzureCliCredential";
                case ENVIRONMENT -> "EnvironmentCredential";
                default -> type.settingValue();
            };
        }
        return switch (claims.principalKind()) {
            case "managed identity" ->
                "DefaultAzureCredential -> ManagedIdentityCredential (the token is a managed identity's)";
            case "user" ->
                "DefaultAzureCredential -> a developer sign-in: Azure CLI, Azure Developer CLI, PowerShell or IDE "
                        + "(the token is a user's)";
            default ->
                "DefaultAzureCredential -> EnvironmentCredential or WorkloadIdentityCredential (the token is a "
                        + "service principal's)";
        };
    }

    private static boolean audienceMatches(String audience, String expected) {
        String a = audience.endsWith("/") ? audience.substring(0, audience.length() - 1) : audience;
        return a.equalsIgnoreCase(expected);
    }

    private static boolean isGuid(String s) {
        return SettingValues.GUID.matcher(s).matches();
    }

    private int fail(String step, Diagnosis diagnosis) {
        out.println();
        out.println("RESULT: FAILED at " + step + " - " + diagnosis.problem());
        out.println("  why: " + diagnosis.explanation());
        out.println("  fix: " + diagnosis.fix());
        return FAILED;
    }

    private void line(String label, String value) {
        out.printf(Locale.ROOT, "  %-11s %s%n", label, value);
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static String humanDuration(Duration d) {
        if (d.isNegative()) {
            return "already expired";
        }
        long minutes = d.toMinutes();
        return minutes >= 120
                ? (minutes / 60) + " h " + (minutes % 60) + " min"
                : minutes >= 1 ? minutes + " min" : d.toSeconds() + " s";
    }

    /** Null when the arguments are usable, "" for --help, else the error. */
    private String parse(String[] args) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return "";
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return arg.startsWith("--") ? arg + " needs a value" : "unexpected argument " + arg;
            }
            if (!name.startsWith("--")) {
                return "unexpected argument " + name;
            }
            values.put(name, value);
        }
        // the identity options are the catalogue's settings, checked as every surface checks them
        SettingSource identity = new SettingSource(
                Surface.CLI, name -> Settings.named(name, Surface.CLI).cliFlag());
        for (Map.Entry<String, String> e : values.entrySet()) {
            String value = e.getValue().isBlank() ? e.getValue() : e.getValue().trim();
            Setting<?> setting = Settings.withFlag(e.getKey());
            if (setting != null) {
                identity.put(setting.name(), value);
                continue;
            }
            value = value.isBlank() ? null : value;
            switch (e.getKey()) {
                case "--url" -> url = value;
                case "--username" -> username = value;
                case "--timeout" -> {
                    try {
                        timeout = Duration.ofSeconds(Long.parseLong(String.valueOf(value)));
                    } catch (NumberFormatException nfe) {
                        return "--timeout must be a number of seconds";
                    }
                }
                default -> {
                    return "unknown option " + e.getKey();
                }
            }
        }
        if (url == null) {
            return "--url is required";
        }
        List<String> problems = new ArrayList<>();
        IdentitySettings checked = IdentitySettings.check(identity, problems);
        if (checked == null) {
            return String.join("; ", problems);
        }
        credential = checked.credential();
        clientId = checked.clientId();
        tenantId = checked.tenantId();
        scope = checked.scope();
        return null;
    }
}
