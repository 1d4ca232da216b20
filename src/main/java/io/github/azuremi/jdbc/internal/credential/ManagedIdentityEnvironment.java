package io.github.azuremi.jdbc.internal.credential;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where azure-identity's {@code ManagedIdentityCredential} will send its request on this host, read from every
 * variable it and MSAL4J read, in their order (azure-identity 1.18, MSAL4J 1.23). It is used only to explain a
 * failure and to probe that endpoint while azure-identity is asked: azure-identity alone decides which protocol it
 * speaks, and a reading that differs from its own can never stop a login (see {@link DiagnosingCredential}).
 *
 * <p>The order, as azure-identity and MSAL4J apply it:
 * <ol>
 *   <li>{@code AZURE_TENANT_ID} and {@code AZURE_FEDERATED_TOKEN_FILE} (azure-core's configuration: a system
 *       property of that name, else the environment variable): AKS workload identity, a token exchange with
 *       Microsoft Entra ID at {@code AZURE_AUTHORITY_HOST};</li>
 *   <li>{@code USE_AZURE_IDENTITY_CLIENT_LIBRARY_LEGACY_MI}: azure-identity's legacy clients (App Service with
 *       {@code MSI_ENDPOINT}, then {@code IDENTITY_ENDPOINT} ...);</li>
 *   <li>MSAL4J (environment variables only): {@code IDENTITY_ENDPOINT} + {@code IDENTITY_HEADER} is Service
 *       Fabric with {@code IDENTITY_SERVER_THUMBPRINT}, App Service without; else {@code MSI_ENDPOINT} is Cloud
 *       Shell; else {@code IDENTITY_ENDPOINT} + {@code IMDS_ENDPOINT} is Azure Arc; else IMDS, at
 *       {@code AZURE_POD_IDENTITY_AUTHORITY_HOST} when set (AAD Pod Identity), otherwise 169.254.169.254.</li>
 * </ol>
 *
 * <p>Only names of variables and the endpoint's host and port are ever quoted: {@code IDENTITY_HEADER},
 * {@code MSI_SECRET} and the federated token are secrets.
 *
 * @param summary  for messages: which variables are set and what that means
 * @param host     the endpoint's host, or null when there is nothing to probe
 * @param port     the endpoint's port
 * @param noIdentityConfigured true when no variable azure-identity reads names an identity source (no workload
 *                 identity, no endpoint, no pod identity host), so that only IMDS at its fixed address is left: the
 *                 situation of a host without any managed identity (AZURE_CLIENT_ID alone names which identity, not
 *                 where to ask)
 */
record ManagedIdentityEnvironment(String summary, String host, int port, boolean noIdentityConfigured) {

    static final String IMDS_HOST = "169.254.169.254";
    static final String DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com/";

    /** Every variable azure-identity and MSAL4J read to choose the managed-identity source, in the summary's order. */
    static final List<String> VARIABLES = List.of(
            "AZURE_FEDERATED_TOKEN_FILE",
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_AUTHORITY_HOST",
            "USE_AZURE_IDENTITY_CLIENT_LIBRARY_LEGACY_MI",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
            "IDENTITY_SERVER_THUMBPRINT",
            "MSI_ENDPOINT",
            "MSI_SECRET",
            "IMDS_ENDPOINT",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST");

    /** This process: azure-core reads a system property before the environment variable of the same name. */
    static ManagedIdentityEnvironment ofThisProcess() {
        Map<String, String> env = System.getenv();
        return detect(
                name -> {
                    String property = System.getProperty(name);
                    return property != null ? property : env.get(name);
                },
                env::get);
    }

    /** For tests: the environment variables alone. */
    static ManagedIdentityEnvironment detect(Map<String, String> env) {
        return detect(env::get, env::get);
    }

    /**
     * @param configuration what azure-identity reads through azure-core's configuration (system property, else
     *                      environment variable)
     * @param environment   what MSAL4J reads ({@code System.getenv} only)
     */
    static ManagedIdentityEnvironment detect(UnaryOperator<String> configuration, UnaryOperator<String> environment) {
        List<String> set = new ArrayList<>();
        for (String name : VARIABLES) {
            if (present(configuration.apply(name)) || present(environment.apply(name))) {
                set.add(name);
            }
        }
        String protocol;
        String endpoint;
        if (configuration.apply("AZURE_TENANT_ID") != null
                && configuration.apply("AZURE_FEDERATED_TOKEN_FILE") != null) {
            protocol = "AKS workload identity (a token exchange with Microsoft Entra ID)";
            String authority = configuration.apply("AZURE_AUTHORITY_HOST");
            endpoint = present(authority) ? authority : DEFAULT_AUTHORITY_HOST;
        } else if (configuration.apply("USE_AZURE_IDENTITY_CLIENT_LIBRARY_LEGACY_MI") != null) {
            String[] legacy = legacy(configuration);
            protocol = legacy[0] + ", azure-identity's legacy client";
            endpoint = legacy[1];
        } else {
            String[] msal = msal(environment);
            protocol = msal[0];
            endpoint = msal[1];
        }
        String host = null;
        int port = -1;
        try {
            URI uri = URI.create(endpoint.trim());
            host = uri.getHost();
            port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        } catch (IllegalArgumentException e) {
            // an unparsable endpoint: azure-identity says so in its own words; nothing to probe
        }
        String variables = set.isEmpty()
                ? "none of the variables azure-identity reads to find a managed identity is set ("
                        + String.join(", ", VARIABLES) + ")"
                : String.join(", ", set) + (set.size() == 1 ? " is set" : " are set");
        String summary = "managed-identity environment: " + variables + ", so azure-identity uses " + protocol
                + (host == null ? "" : ", endpoint " + host + ":" + port);
        return new ManagedIdentityEnvironment(summary, host, port, IMDS_HOST.equals(host));
    }

    private static String[] msal(UnaryOperator<String> env) {
        boolean identityEndpoint = present(env.apply("IDENTITY_ENDPOINT"));
        if (identityEndpoint && present(env.apply("IDENTITY_HEADER"))) {
            return present(env.apply("IDENTITY_SERVER_THUMBPRINT"))
                    ? new String[] {"the Service Fabric protocol", env.apply("IDENTITY_ENDPOINT")}
                    : new String[] {"the App Service protocol (api-version 2019-08-01)", env.apply("IDENTITY_ENDPOINT")
                    };
        }
        if (present(env.apply("MSI_ENDPOINT"))) {
            return new String[] {"the Cloud Shell protocol", env.apply("MSI_ENDPOINT")};
        }
        if (identityEndpoint && present(env.apply("IMDS_ENDPOINT"))) {
            return new String[] {"the Azure Arc protocol", env.apply("IDENTITY_ENDPOINT")};
        }
        String podIdentity = env.apply("AZURE_POD_IDENTITY_AUTHORITY_HOST");
        if (present(podIdentity)) {
            return new String[] {"IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST (AAD Pod Identity)", podIdentity};
        }
        return new String[] {"IMDS (virtual machine, scale set, AKS node)", "http://" + IMDS_HOST + "/"};
    }

    private static String[] legacy(UnaryOperator<String> configuration) {
        if (configuration.apply("MSI_ENDPOINT") != null) {
            return new String[] {
                "the App Service protocol (api-version 2017-09-01)", configuration.apply("MSI_ENDPOINT")
            };
        }
        String identityEndpoint = configuration.apply("IDENTITY_ENDPOINT");
        if (identityEndpoint != null) {
            if (configuration.apply("IDENTITY_HEADER") != null) {
                return configuration.apply("IDENTITY_SERVER_THUMBPRINT") != null
                        ? new String[] {"the Service Fabric protocol", identityEndpoint}
                        : new String[] {"the App Service protocol (api-version 2019-08-01)", identityEndpoint};
            }
            if (configuration.apply("IMDS_ENDPOINT") != null) {
                return new String[] {"the Azure Arc protocol", identityEndpoint};
            }
        }
        String podIdentity = configuration.apply("AZURE_POD_IDENTITY_AUTHORITY_HOST");
        return present(podIdentity)
                ? new String[] {"IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST (AAD Pod Identity)", podIdentity}
                : new String[] {"IMDS (virtual machine, scale set, AKS node)", "http://" + IMDS_HOST + "/"};
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    /** Null when the endpoint accepts a TCP connection within {@code timeoutMs} (or there is none); else the error. */
    String probe(int timeoutMs) {
        if (host == null) {
            return null;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            return null;
        } catch (UnknownHostException e) {
            return host + " cannot be resolved from this host (" + e.getClass().getName() + ")";
        } catch (SocketTimeoutException e) {
            return host + ":" + port + " did not accept a connection within " + timeoutMs + " ms";
        } catch (IOException e) {
            return host + ":" + port + " did not accept a connection ("
                    + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
        }
    }
}
