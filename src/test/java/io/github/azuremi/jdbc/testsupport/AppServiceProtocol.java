package io.github.azuremi.jdbc.testsupport;

import com.sun.net.httpserver.HttpExchange;
import io.github.azuremi.jdbc.testsupport.FakeAccessTokens.Identity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The wire side of the App Service managed-identity protocol (api-version 2019-08-01), as MSAL4J speaks it:
 * which requests App Service refuses and how, whom a request names, and how answers are written.
 */
final class AppServiceProtocol {

    static final String PATH = "/msi/token";
    static final String API_VERSION = "2019-08-01";
    static final String IDENTITY_HEADER_NAME = "X-IDENTITY-HEADER";
    // App Service documents principal_id; MSAL4J 1.23 sends object_id for ManagedIdentityId.userAssignedObjectId.
    private static final List<String> IDENTITY_SELECTORS =
            List.of("client_id", "mi_res_id", "object_id", "principal_id");

    private AppServiceProtocol() {}

    sealed interface Parsed permits TokenRequest, Rejection {}

    /** A valid request: the token's audience (the scope without /.default) and the identity it is for. */
    record TokenRequest(String resource, Identity identity) implements Parsed {}

    /** What App Service answers a request it refuses. */
    record Rejection(int status, String message) implements Parsed {}

    static Parsed parse(HttpExchange exchange, String expectedSecret) {
        if (!PATH.equals(exchange.getRequestURI().getPath())) {
            return new Rejection(404, "Not found: the token endpoint is " + PATH);
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            return new Rejection(405, "Only GET is supported");
        }
        String secret = exchange.getRequestHeaders().getFirst(IDENTITY_HEADER_NAME);
        if (secret == null || secret.isEmpty()) {
            return new Rejection(400, "The " + IDENTITY_HEADER_NAME + " header is missing");
        }
        if (!MessageDigest.isEqual(
                secret.getBytes(StandardCharsets.UTF_8), expectedSecret.getBytes(StandardCharsets.UTF_8))) {
            return new Rejection(401, "The " + IDENTITY_HEADER_NAME + " header does not match");
        }
        Map<String, String> query = query(exchange);
        if (!API_VERSION.equals(query.get("api-version"))) {
            return new Rejection(400, "Unsupported or missing api-version; expected " + API_VERSION);
        }
        String resource = query.get("resource");
        if (resource == null || resource.isBlank()) {
            return new Rejection(400, "The resource parameter is missing");
        }
        List<String> selectors =
                IDENTITY_SELECTORS.stream().filter(query::containsKey).toList();
        if (selectors.size() > 1) {
            return new Rejection(400, "Only one of " + IDENTITY_SELECTORS + " may be given");
        }
        if (selectors.isEmpty()) {
            return new TokenRequest(resource, Identity.systemAssigned());
        }
        String id = query.get(selectors.get(0));
        if (id.isBlank()) {
            return new Rejection(400, "The " + selectors.get(0) + " parameter is empty");
        }
        return new TokenRequest(
                resource,
                switch (selectors.get(0)) {
                    case "client_id" -> Identity.byClientId(id);
                    case "mi_res_id" -> Identity.byResourceId(id);
                    default -> Identity.byObjectId(id);
                });
    }

    /** App Service's error shape; MSAL4J reports its message and correlationId. */
    static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("statusCode", status);
        body.put("message", message);
        body.put("correlationId", UUID.randomUUID().toString());
        send(exchange, status, JsonText.object(body));
    }

    static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Method and path only: the query holds nothing secret, but the headers do. */
    static String describe(HttpExchange exchange) {
        return exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> query = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (!pair.isEmpty()) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(key, value);
            }
        }
        return query;
    }
}
