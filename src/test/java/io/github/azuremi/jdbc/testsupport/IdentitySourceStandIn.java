package io.github.azuremi.jdbc.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Local stand-ins for the identity sources azure-identity's {@code ManagedIdentityCredential} reaches besides App
 * Service ({@link LocalManagedIdentityEndpoint}): the IMDS protocol (a VM, or AAD Pod Identity's NMI at
 * {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}) and Microsoft Entra ID's token endpoint over HTTPS (AKS workload
 * identity: the federated token exchanged for an access token). Each answers with the one token a test chose (and
 * made the database accept), and records the requests it received (paths and the identity named, never a secret).
 */
public final class IdentitySourceStandIn implements AutoCloseable {

    /** How the IMDS stand-in answers. */
    public enum Imds {
        /** {@code expires_on} and {@code expires_in} as strings of seconds, as IMDS writes them. */
        STRINGS,
        /** {@code expires_on} as a JSON number. */
        EXPIRES_ON_NUMBER,
        /** Only {@code expires_in}, no {@code expires_on}. */
        EXPIRES_IN_ONLY,
        /** No identity is assigned to this resource: IMDS's 400 "Identity not found". */
        NO_IDENTITY
    }

    private final HttpServer server;
    private final String token;
    private final Instant expiresOn;
    private final Imds mode;
    private final String requiredClientId;
    private final Path trustStore;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private IdentitySourceStandIn(
            HttpServer server, String token, Instant expiresOn, Imds mode, String requiredClientId, Path trustStore) {
        this.server = server;
        this.token = token;
        this.expiresOn = expiresOn;
        this.mode = mode;
        this.requiredClientId = requiredClientId;
        this.trustStore = trustStore;
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * IMDS on loopback over HTTP. With {@code requiredClientId}, only a request for that user-assigned identity gets
     * the token; without, only a request that names none (the system-assigned identity).
     */
    public static IdentitySourceStandIn imds(Imds mode, String token, Instant expiresOn, String requiredClientId)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        return new IdentitySourceStandIn(server, token, expiresOn, mode, requiredClientId, null);
    }

    /**
     * Microsoft Entra ID on loopback over HTTPS with a self-signed certificate; {@link #trustStore()} trusts it and the
     * test CA of the local databases ({@link TestTls#caFile()}), so that one JVM can reach both.
     */
    public static IdentitySourceStandIn entra(String token, Instant expiresOn, String requiredClientId)
            throws Exception {
        Path dir = Files.createTempDirectory("mids-entra");
        Path keyStore = dir.resolve("server.p12");
        Path trustStore = dir.resolve("trust.p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(
                keytool,
                "-genkeypair",
                "-alias",
                "entra",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        run(
                keytool,
                "-exportcert",
                "-alias",
                "entra",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                "changeit",
                "-file",
                dir.resolve("server.crt").toString());
        run(
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                "entra",
                "-file",
                dir.resolve("server.crt").toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                trustStore.toString(),
                "-storepass",
                "changeit");
        run(
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                "databases",
                "-file",
                TestTls.caFile(),
                "-storetype",
                "PKCS12",
                "-keystore",
                trustStore.toString(),
                "-storepass",
                "changeit");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new IdentitySourceStandIn(server, token, expiresOn, null, requiredClientId, trustStore);
    }

    /** {@code http://127.0.0.1:<port>} (IMDS) or {@code https://127.0.0.1:<port>/} (Entra). */
    public String url() {
        return (trustStore == null ? "http" : "https") + "://127.0.0.1:"
                + server.getAddress().getPort() + (trustStore == null ? "" : "/");
    }

    /** A PKCS12 trust store (password {@code changeit}): the HTTPS stand-in's certificate and the databases' test CA. */
    public Path trustStore() {
        return trustStore;
    }

    /** What was asked, in order: method, path and the identity it named ({@code client_id}), nothing secret. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI target = exchange.getRequestURI();
            // MSAL4J 1.23 joins AZURE_POD_IDENTITY_AUTHORITY_HOST and its path with a second slash; the JDK's server
            // then reads "//metadata/identity/..." as an authority and a path: put the request target back together
            String path = target.getScheme() == null && target.getRawAuthority() != null
                    ? "//" + target.getRawAuthority() + target.getPath()
                    : target.getPath();
            Map<String, String> params = form(exchange.getRequestURI().getRawQuery());
            if ("POST".equals(exchange.getRequestMethod())) {
                params.putAll(form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            }
            requests.add(exchange.getRequestMethod() + " " + path + " client_id=" + params.get("client_id")
                    + (trustStore == null
                                    && !"true"
                                            .equals(exchange.getRequestHeaders().getFirst("Metadata"))
                            ? " (no Metadata: true header)"
                            : ""));
            if (trustStore == null) {
                imds(exchange, path, params);
            } else {
                entra(exchange, path, params);
            }
        }
    }

    private void imds(HttpExchange exchange, String path, Map<String, String> params) throws IOException {
        if (!path.replaceAll("^/+", "/").equals("/metadata/identity/oauth2/token")
                || !"true".equals(exchange.getRequestHeaders().getFirst("Metadata"))) {
            send(
                    exchange,
                    400,
                    "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header not specified\"}");
            return;
        }
        boolean forUs = requiredClientId == null
                ? params.get("client_id") == null
                : requiredClientId.equals(params.get("client_id"));
        if (mode == Imds.NO_IDENTITY || !forUs) {
            send(exchange, 400, "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}");
            return;
        }
        long on = expiresOn.getEpochSecond();
        long in = Math.max(1, on - Instant.now().getEpochSecond());
        String expiry = switch (mode) {
            case STRINGS -> "\"expires_in\":\"" + in + "\",\"expires_on\":\"" + on + "\"";
            case EXPIRES_ON_NUMBER -> "\"expires_in\":" + in + ",\"expires_on\":" + on;
            case EXPIRES_IN_ONLY -> "\"expires_in\":\"" + in + "\"";
            default -> throw new IllegalStateException(mode.name());
        };
        send(
                exchange,
                200,
                "{\"access_token\":\"" + token + "\"," + expiry + ",\"resource\":\"" + params.get("resource")
                        + "\",\"token_type\":\"Bearer\",\"client_id\":\""
                        + (requiredClientId == null ? "system" : requiredClientId) + "\"}");
    }

    private void entra(HttpExchange exchange, String path, Map<String, String> params) throws IOException {
        String base = url().replaceAll("/$", "");
        if (path.endsWith("/discovery/instance")) {
            String host = base.substring("https://".length());
            send(
                    exchange,
                    200,
                    "{\"tenant_discovery_endpoint\":\"" + base + "/common/v2.0/.well-known/openid-configuration\","
                            + "\"api-version\":\"1.1\",\"metadata\":[{\"preferred_network\":\"" + host
                            + "\",\"preferred_cache\":\"" + host
                            + "\",\"aliases\":[\"" + host + "\"]}]}");
        } else if (path.endsWith("/.well-known/openid-configuration")) {
            String tenant = path.substring(1, path.indexOf('/', 1));
            send(
                    exchange,
                    200,
                    "{\"token_endpoint\":\"" + base + "/" + tenant
                            + "/oauth2/v2.0/token\",\"authorization_endpoint\":\""
                            + base + "/" + tenant + "/oauth2/v2.0/authorize\",\"issuer\":\"" + base + "/" + tenant
                            + "/v2.0\","
                            + "\"device_authorization_endpoint\":\"" + base + "/" + tenant
                            + "/oauth2/v2.0/devicecode\"}");
        } else if (path.endsWith("/oauth2/v2.0/token")
                && "client_credentials".equals(params.get("grant_type"))
                && params.get("client_assertion") != null
                && (requiredClientId == null || requiredClientId.equals(params.get("client_id")))) {
            long in = Math.max(1, expiresOn.getEpochSecond() - Instant.now().getEpochSecond());
            send(
                    exchange,
                    200,
                    "{\"token_type\":\"Bearer\",\"expires_in\":" + in + ",\"ext_expires_in\":" + in
                            + ",\"access_token\":\"" + token + "\"}");
        } else {
            send(
                    exchange,
                    400,
                    "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700016: not expected here: " + path
                            + "\"}");
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return "IdentitySourceStandIn[" + url() + ", " + requests.size() + " requests]";
    }
}
