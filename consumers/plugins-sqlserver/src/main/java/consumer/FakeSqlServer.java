package consumer;

import java.net.InetAddress;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * The library's fake TDS server (its test class {@code io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer}, on the
 * classpath from the tree's target/test-classes), reached by reflection so that this project builds as a user's
 * does, from published artifacts only. It presents a self-signed certificate for localhost and records the token of
 * every login; it accepts tokens minted for Azure SQL's audience.
 */
final class FakeSqlServer implements AutoCloseable {

  private static final String TYPE = "io.github.azuremi.jdbc.testsupport.tds.FakeTdsServer";

  private final Object server;

  private FakeSqlServer(Object server) {
    this.server = server;
  }

  static FakeSqlServer start(InetAddress address) throws ReflectiveOperationException {
    Class<?> type = Class.forName(TYPE);
    Class<?> optionsType = Class.forName(TYPE + "$Options");
    Object options = optionsType.getConstructor().newInstance();
    optionsType.getMethod("bindAddress", InetAddress.class).invoke(options, address);
    Function<String, Optional<String>> verifier = token -> claims(token).contains("\"aud\":\"https://database.windows.net\"")
        ? Optional.of("consumer-mi") : Optional.empty();
    return new FakeSqlServer(type.getMethod("start", Function.class, optionsType).invoke(null, verifier, options));
  }

  int port() {
    return (Integer) call("port");
  }

  /** Whether any login so far carried a token (accepted or not). */
  boolean receivedAToken() {
    return call("lastToken") != null;
  }

  int acceptedLogins() {
    return (Integer) call("acceptedLogins");
  }

  /** encrypt=true with the fake's certificate trusted through trustStore (host name localhost), for 127.0.0.1. */
  String verifyingUrl(String database) {
    try {
      return (String) server.getClass().getMethod("jdbcUrlVerifyingCertificate", String.class).invoke(server, database);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    call("close");
  }

  private Object call(String method) {
    try {
      return server.getClass().getMethod(method).invoke(server);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String claims(String token) {
    String[] parts = token.split("\\.");
    return parts.length < 2 ? "" : new String(Base64.getUrlDecoder().decode(parts[1]));
  }
}
