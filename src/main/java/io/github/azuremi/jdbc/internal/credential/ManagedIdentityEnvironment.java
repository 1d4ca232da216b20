package io.github.azuremi.jdbc.internal.credential;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which managed-identity protocol azure-identity will speak on this host, read from the same environment
 * variables it reads, and whether its endpoint accepts a connection at all. Only names of variables and the
 * endpoint's host and port are ever quoted: IDENTITY_HEADER and MSI_SECRET are secrets.
 */
record ManagedIdentityEnvironment(String summary, String host, int port) {

  static final String IMDS_HOST = "169.254.169.254";

  static ManagedIdentityEnvironment detect(Map<String, String> env) {
    List<String> set = new ArrayList<>();
    for (String name : List.of("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT",
        "MSI_SECRET", "IMDS_ENDPOINT")) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        set.add(name);
      }
    }
    String protocol;
    String endpoint;
    if (set.contains("IDENTITY_ENDPOINT") && set.contains("IMDS_ENDPOINT")) {
      protocol = "Azure Arc";
      endpoint = env.get("IDENTITY_ENDPOINT");
    } else if (set.contains("IDENTITY_ENDPOINT") && set.contains("IDENTITY_SERVER_THUMBPRINT")) {
      protocol = "Service Fabric";
      endpoint = env.get("IDENTITY_ENDPOINT");
    } else if (set.contains("IDENTITY_ENDPOINT")) {
      protocol = "App Service (api-version 2019-08-01)";
      endpoint = env.get("IDENTITY_ENDPOINT");
    } else if (set.contains("MSI_ENDPOINT")) {
      protocol = set.contains("MSI_SECRET") ? "App Service (api-version 2017-09-01)" : "Cloud Shell";
      endpoint = env.get("MSI_ENDPOINT");
    } else {
      protocol = "IMDS (virtual machine, scale set, AKS node)";
      endpoint = "http://" + IMDS_HOST + "/metadata/identity/oauth2/token";
    }
    String host = null;
    int port = -1;
    try {
      URI uri = URI.create(endpoint.trim());
      host = uri.getHost();
      port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    } catch (IllegalArgumentException e) {
      // an unparsable endpoint: azure-identity will say so; no probe
    }
    String variables = set.isEmpty()
        ? "none of IDENTITY_ENDPOINT, MSI_ENDPOINT, IMDS_ENDPOINT is set"
        : String.join(", ", set) + (set.size() == 1 ? " is set" : " are set");
    String summary = "managed-identity environment: " + variables + ", so the " + protocol + " protocol is used"
        + (host == null ? "" : ", endpoint " + host + ":" + port);
    return new ManagedIdentityEnvironment(summary, host, port);
  }

  /** Null when the endpoint accepts a TCP connection within {@code timeoutMs}; otherwise the network error. */
  String probe(int timeoutMs) {
    if (host == null) {
      return null;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMs);
      return null;
    } catch (IOException e) {
      return host + ":" + port + " did not accept a connection within " + timeoutMs + " ms (" + e.getClass().getName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    }
  }
}
