import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local App Service managed-identity endpoint for the consumer projects (JDK only: run with
 * {@code java IdentityEndpoint.java PORT ROLE...}; the secret X-IDENTITY-HEADER comes from IDENTITY_HEADER).
 *
 * <p>It speaks App Service's protocol (api-version 2019-08-01, X-IDENTITY-HEADER, expires_on as a string),
 * mints JWT-shaped tokens (unsigned, with the claims of a managed identity's token), and, like the real
 * service, hands the same token to every caller until half its life has passed. Each new token becomes
 * the PostgreSQL password of the given roles (members of mi_token_users, which pg_hba.conf makes present a
 * password), as a SCRAM verifier with VALID UNTIL its expiry: the database itself checks the token. A role
 * written {@code mysql:NAME} is instead the MariaDB account {@code 'NAME'@'127.0.0.1'} (created beforehand by
 * whoever runs the endpoint), whose password becomes the token as a mysql_native_password hash (MariaDB has no
 * VALID UNTIL: the account takes only the newest token). The token never reaches a log, a command line or SQL
 * text. {@code GET /stats} answers {@code {"issued":N}}, the number of tokens minted so far.
 */
public final class IdentityEndpoint {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final String TENANT = "72f988bf-0000-4a5b-9c3d-7e1f2a3b4c5d";
  private static final long LIFETIME_S = Long.getLong("token.lifetime.seconds", 600);

  private record Issued(String token, long expiresOn, long issuedAt) {}

  private final Map<String, Issued> issued = new HashMap<>();
  private final List<String> roles;
  private final String secret;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger minted = new AtomicInteger();

  private IdentityEndpoint(String secret, List<String> roles) {
    this.secret = secret;
    this.roles = roles;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String secret = System.getenv("IDENTITY_HEADER");
    if (secret == null || secret.isEmpty()) {
      throw new IllegalStateException("set IDENTITY_HEADER");
    }
    IdentityEndpoint endpoint = new IdentityEndpoint(secret, List.of(args).subList(1, args.length));
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server.createContext("/", endpoint::handle);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("identity endpoint on http://127.0.0.1:" + port + "/msi/token for roles " + endpoint.roles);
    Thread.sleep(TimeUnit.DAYS.toMillis(1));
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try {
      if ("/stats".equals(exchange.getRequestURI().getPath())) {
        send(exchange, 200, "{\"issued\":" + minted.get() + "}");
        return;
      }
      if (!"/msi/token".equals(exchange.getRequestURI().getPath())) {
        send(exchange, 404, "{\"message\":\"not found\"}");
        return;
      }
      String header = exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER");
      if (header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
        send(exchange, 401, "{\"statusCode\":401,\"message\":\"X-IDENTITY-HEADER missing or wrong\"}");
        return;
      }
      Map<String, String> q = query(exchange.getRequestURI().getRawQuery());
      String resource = q.get("resource");
      if (!"2019-08-01".equals(q.get("api-version")) || resource == null || resource.isBlank()) {
        send(exchange, 400, "{\"statusCode\":400,\"message\":\"api-version=2019-08-01 and resource are required\"}");
        return;
      }
      String clientId = q.getOrDefault("client_id", "0e5c8f7a-1b2d-4c3e-8f9a-6b7c8d9e0f1a");
      Issued token = tokenFor(resource, clientId);
      send(exchange, 200, "{\"access_token\":\"" + token.token + "\",\"expires_on\":\"" + token.expiresOn
          + "\",\"resource\":\"" + resource + "\",\"token_type\":\"Bearer\",\"client_id\":\"" + clientId + "\"}");
      System.out.println("issued a token for " + resource + " (client " + clientId + "), expires " + Instant.ofEpochSecond(token.expiresOn));
    } catch (Exception e) {
      System.out.println("request failed: " + e);
      send(exchange, 500, "{\"statusCode\":500,\"message\":\"" + e.getClass().getSimpleName() + "\"}");
    }
  }

  private synchronized Issued tokenFor(String resource, String clientId) throws Exception {
    long now = Instant.now().getEpochSecond();
    String key = resource + "|" + clientId;
    Issued current = issued.get(key);
    if (current != null && now < current.issuedAt + LIFETIME_S / 2) {
      return current;
    }
    Issued fresh = new Issued(mint(resource, clientId, now, now + LIFETIME_S), now + LIFETIME_S, now);
    for (String role : roles) {
      acceptToken(role, fresh.token, Instant.ofEpochSecond(fresh.expiresOn));
    }
    issued.put(key, fresh);
    minted.incrementAndGet();
    return fresh;
  }

  private static String mint(String resource, String clientId, long iat, long exp) {
    String oid = UUID.nameUUIDFromBytes(("object-id:" + clientId).getBytes(StandardCharsets.UTF_8)).toString();
    String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"" + random(20) + "\"}";
    String claims = "{\"aud\":\"" + resource + "\",\"iss\":\"https://sts.windows.net/" + TENANT + "/\",\"iat\":" + iat
        + ",\"nbf\":" + iat + ",\"exp\":" + exp + ",\"appid\":\"" + clientId + "\",\"idtyp\":\"app\",\"oid\":\"" + oid
        + "\",\"sub\":\"" + oid + "\",\"tid\":\"" + TENANT + "\",\"uti\":\"" + random(16) + "\",\"ver\":\"1.0\","
        + "\"xms_mirid\":\"/subscriptions/3c1d5e7f-2a4b-4c6d-8e0f-1a2b3c4d5e6f/resourcegroups/consumers/providers/"
        + "Microsoft.ManagedIdentity/userAssignedIdentities/consumer_app\"}";
    return B64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + B64URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + random(256);
  }

  /** ALTER ROLE ... PASSWORD '<SCRAM verifier>' through psql's standard input: the token itself goes nowhere. */
  private static void acceptToken(String role, String token, Instant validUntil) throws Exception {
    if (role.startsWith("mysql:")) {
      acceptMysqlToken(role.substring("mysql:".length()), token);
      return;
    }
    if (!role.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("role name " + role);
    }
    String sql = "ALTER ROLE " + role + " PASSWORD '" + scramVerifier(token) + "' VALID UNTIL '" + validUntil + "';\n";
    Process p = new ProcessBuilder("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres",
        "-d", System.getProperty("pg.database", "test"), "-f", "-").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(sql.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("psql failed for role " + role + ": " + out);
    }
  }

  /**
   * ALTER USER 'name'@'127.0.0.1' ... USING '<mysql_native_password hash>' through the mariadb client's standard
   * input: the token itself goes nowhere.
   */
  private static void acceptMysqlToken(String user, String token) throws Exception {
    if (!user.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("MariaDB user name " + user);
    }
    String sql = "ALTER USER '" + user + "'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING '"
        + nativePasswordHash(token) + "';\n";
    Process p = new ProcessBuilder("mariadb", "--protocol=tcp", "-h", "127.0.0.1",
        "-P", System.getProperty("mariadb.port", "3306"), "-u", "root")
        .redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(sql.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("mariadb failed for user " + user + ": " + out);
    }
  }

  /** mysql_native_password's stored hash: '*' and the uppercase hex of SHA1(SHA1(password)). */
  static String nativePasswordHash(String password) throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    byte[] twice = sha1.digest(sha1.digest(password.getBytes(StandardCharsets.UTF_8)));
    return "*" + java.util.HexFormat.of().withUpperCase().formatHex(twice);
  }

  /** PostgreSQL's SCRAM-SHA-256 verifier (RFC 5802/7677) of an ASCII password. */
  static String scramVerifier(String password) throws Exception {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    int iterations = 4096;
    byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
    byte[] clientKey = hmac(salted, "Client Key");
    byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
    byte[] serverKey = hmac(salted, "Server Key");
    Base64.Encoder b64 = Base64.getEncoder();
    return "SCRAM-SHA-256$" + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":"
        + b64.encodeToString(serverKey);
  }

  private static byte[] hmac(byte[] key, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return B64URL.encodeToString(b);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          q.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return q;
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
