package io.github.azuremi.jdbc.testsupport;

import static io.github.azuremi.jdbc.testsupport.AppServiceProtocol.describe;
import static io.github.azuremi.jdbc.testsupport.AppServiceProtocol.send;
import static io.github.azuremi.jdbc.testsupport.AppServiceProtocol.sendError;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.azuremi.jdbc.testsupport.AppServiceProtocol.Parsed;
import io.github.azuremi.jdbc.testsupport.AppServiceProtocol.Rejection;
import io.github.azuremi.jdbc.testsupport.AppServiceProtocol.TokenRequest;
import io.github.azuremi.jdbc.testsupport.FakeAccessTokens.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for the Azure App Service / Functions managed-identity endpoint, speaking the protocol
 * MSAL4J (and so azure-identity's {@code ManagedIdentityCredential}) uses when {@code IDENTITY_ENDPOINT} and
 * {@code IDENTITY_HEADER} are set:
 * {@code GET /msi/token?api-version=2019-08-01&resource=<scope without /.default>[&client_id=|&mi_res_id=|&object_id=|&principal_id=]}
 * with header {@code X-IDENTITY-HEADER}. It answers
 * {@code {"access_token","expires_on" (epoch seconds as a string),"resource","token_type":"Bearer","client_id"}}.
 *
 * <p>Tests can slow it down, make it fail in the ways a real endpoint fails ({@link Fault}), count what it
 * did, and hook every issued token ({@link #onIssue}) so a test database accepts exactly that token.
 *
 * <p>What the real azure-identity 1.18 / MSAL4J 1.23 does against it (measured here): it caches tokens
 * JVM-wide per identity and resource until 5 minutes before expiry, so a test that needs a fetch uses a
 * lifetime under 5 minutes or a fresh {@code clientId}; it retries 500, 503 and 429 in two stacked layers
 * (16 requests, about 26 s, before failing); it gives up on a {@link Fault#HANG} after about 4 minutes
 * (4 tries of 60 s); and it hands out an {@link Fault#EXPIRED_TOKEN} without complaint.
 *
 * <p>Neither a token nor the identity header ever appears in its log lines or in a {@code toString()}.
 */
public final class LocalManagedIdentityEndpoint implements AutoCloseable {

    public static final String PATH = AppServiceProtocol.PATH;
    public static final String API_VERSION = AppServiceProtocol.API_VERSION;
    public static final String IDENTITY_HEADER_NAME = AppServiceProtocol.IDENTITY_HEADER_NAME;
    /** Set by surefire (see the pom) to the port that build-helper reserved; {@code IDENTITY_ENDPOINT} uses it. */
    public static final String PORT_SYSTEM_PROPERTY = "mi.endpoint.port";

    public static final String IDENTITY_ENDPOINT_ENV = "IDENTITY_ENDPOINT";
    public static final String IDENTITY_HEADER_ENV = "IDENTITY_HEADER";
    /** The {@code client_id} (and {@code appid} claim) of the system-assigned identity. */
    public static final String SYSTEM_ASSIGNED_CLIENT_ID = FakeAccessTokens.SYSTEM_ASSIGNED_CLIENT_ID;
    /** The {@code tid} claim of every token. */
    public static final String TENANT_ID = FakeAccessTokens.TENANT_ID;

    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofMinutes(10);
    /** Size of the {@link Fault#HUGE_BODY} answer. */
    public static final int HUGE_BODY_BYTES = 5 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LocalManagedIdentityEndpoint.class);
    // Enough threads that hanging requests never starve the others in any sane test.
    private static final int MAX_CONCURRENT_REQUESTS = 64;

    private static LocalManagedIdentityEndpoint shared;

    private volatile HttpServer server;
    private final int boundPort;
    private final ThreadPoolExecutor executor;
    private final String identityHeader;
    private final boolean jvmWide;

    private volatile Duration tokenLifetime = DEFAULT_TOKEN_LIFETIME;
    private volatile Duration latency = Duration.ZERO;
    private volatile Fault fault = Fault.NONE;

    @GuardedBy("this")
    private Fault failNextFault = Fault.NONE;

    @GuardedBy("this")
    private int failNextRemaining;
    // Counted down (and replaced) by reset() and stop(): that is what ends HANG requests.
    private volatile CountDownLatch hangRelease = new CountDownLatch(1);
    private final AtomicInteger requestCount = new AtomicInteger();
    private final List<IssuedToken> issued = new CopyOnWriteArrayList<>();
    private final List<Consumer<IssuedToken>> listeners = new CopyOnWriteArrayList<>();
    // SHA-256 of every token ever issued here; reset() keeps it (see hasIssued).
    private final Set<String> everIssued = ConcurrentHashMap.newKeySet();

    /** What the endpoint does instead of answering normally. */
    public enum Fault {
        NONE,
        HTTP_500,
        HTTP_503,
        /** 429 with {@code Retry-After: 2}. */
        HTTP_429_RETRY_AFTER,
        HTTP_400,
        HTTP_403,
        /** Never answers, until {@link #reset()} or {@link #stop()} drops the connection; other requests go on. */
        HANG,
        /** 200 with a truncated JSON body. */
        MALFORMED_JSON,
        /** 200 with every member but {@code access_token}. */
        MISSING_ACCESS_TOKEN,
        /** 200 with a token but no {@code expires_on}; the token counts as issued. */
        MISSING_EXPIRES_ON,
        /** 200 with a token whose {@code expires_on} (and {@code exp}) is a minute in the past. */
        EXPIRED_TOKEN,
        /** 200 with a valid answer padded to {@link #HUGE_BODY_BYTES} by an extra member {@code x_padding}. */
        HUGE_BODY,
        /** The connection is closed without any response. */
        CLOSE_CONNECTION
    }

    /** A token the endpoint handed out (or was about to, for listeners). */
    public record IssuedToken(
            String accessToken,
            String resource,
            String clientId,
            String objectId,
            String tenantId,
            Instant issuedAt,
            Instant expiresOn) {

        public IssuedToken {
            Objects.requireNonNull(accessToken, "accessToken");
        }

        /** Leaves the token itself out, so that a failing assertion or a log line never shows it. */
        @Override
        public String toString() {
            return "IssuedToken[resource=" + resource + ", clientId=" + clientId + ", objectId=" + objectId
                    + ", tenantId=" + tenantId + ", issuedAt=" + issuedAt + ", expiresOn=" + expiresOn
                    + ", accessToken=<" + accessToken.length() + " chars>]";
        }
    }

    private LocalManagedIdentityEndpoint(int port, String identityHeader, boolean jvmWide) {
        if (identityHeader == null || identityHeader.isBlank()) {
            throw new IllegalArgumentException("identityHeader must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.identityHeader = identityHeader;
        this.jvmWide = jvmWide;
        // The JDK HttpServer writes headers and body separately; without TCP_NODELAY the client's delayed ACK
        // adds ~40 ms to every token request (found by the benchmarks). Read once, when the server class loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot listen on 127.0.0.1:" + port + " for the local managed-identity endpoint", e);
        }
        this.executor = new ThreadPoolExecutor(
                MAX_CONCURRENT_REQUESTS,
                MAX_CONCURRENT_REQUESTS,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                daemonThreads("mi-endpoint-" + port() + "-"));
        executor.allowCoreThreadTimeOut(true);
        this.boundPort = server.getAddress().getPort();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        startOnDaemonThread(server);
        LOG.info("local managed-identity endpoint listening on {}", url());
    }

    /**
     * The JVM-wide endpoint that azure-identity in this JVM talks to: it listens on the port of
     * {@code IDENTITY_ENDPOINT}, which surefire sets (with {@code IDENTITY_HEADER}) from the pom. Started once,
     * on first use; it lives as long as the JVM, so tests call {@link #reset()} instead of closing it.
     *
     * @throws IllegalStateException when those environment variables are missing (not run through Maven)
     */
    public static synchronized LocalManagedIdentityEndpoint shared() {
        if (shared == null) {
            URI endpoint = sharedEndpointFromEnvironment();
            shared = new LocalManagedIdentityEndpoint(endpoint.getPort(), System.getenv(IDENTITY_HEADER_ENV), true);
        }
        return shared;
    }

    /** A private endpoint on {@code port} (0 picks a free one); close it when done. */
    public static LocalManagedIdentityEndpoint start(int port, String identityHeader) {
        return new LocalManagedIdentityEndpoint(port, identityHeader, false);
    }

    public String url() {
        return "http://127.0.0.1:" + port() + PATH;
    }

    public int port() {
        return boundPort;
    }

    /**
     * "Connection refused": closes the listening socket (the port stays reserved for this endpoint only by
     * convention) until {@link #acceptConnections()} or {@link #reset()}.
     */
    public synchronized void refuseConnections() {
        if (server != null) {
            releaseHangingRequests();
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port after {@link #refuseConnections()}. */
    public synchronized void acceptConnections() {
        if (server == null) {
            try {
                HttpServer again =
                        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), boundPort), 50);
                again.setExecutor(executor);
                again.createContext("/", this::handle);
                startOnDaemonThread(again);
                server = again;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen again on 127.0.0.1:" + boundPort, e);
            }
        }
    }

    /** The secret the endpoint expects in {@value #IDENTITY_HEADER_NAME}. */
    public String identityHeader() {
        return identityHeader;
    }

    /**
     * Back to defaults: token lifetime {@link #DEFAULT_TOKEN_LIFETIME}, no latency, no fault, nothing pending
     * from {@link #failNext}, counters and issued list cleared, listeners removed. Requests hanging in
     * {@link Fault#HANG} are released: their connections are closed without a response.
     */
    public void reset() {
        tokenLifetime = DEFAULT_TOKEN_LIFETIME;
        latency = Duration.ZERO;
        fault = Fault.NONE;
        synchronized (this) {
            failNextFault = Fault.NONE;
            failNextRemaining = 0;
        }
        requestCount.set(0);
        issued.clear();
        listeners.clear();
        releaseHangingRequests();
        acceptConnections();
    }

    /** Lifetime of tokens issued from now on ({@code expires_on} = issue time + lifetime, in whole seconds). */
    public void setTokenLifetime(Duration lifetime) {
        this.tokenLifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    /** A delay before every answer (including failures), like a slow or cold endpoint. */
    public void setLatency(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + latency);
        }
        this.latency = latency;
    }

    /** Every request fails with {@code fault} until {@code setFault(Fault.NONE)} or {@link #reset()}. */
    public void setFault(Fault fault) {
        this.fault = Objects.requireNonNull(fault, "fault");
    }

    /** The next {@code count} requests fail with {@code fault}; after them the endpoint answers as before. */
    public synchronized void failNext(int count, Fault fault) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        this.failNextFault = Objects.requireNonNull(fault, "fault");
        this.failNextRemaining = count;
    }

    /** Every HTTP request received since start or {@link #reset()}, failed and rejected ones included. */
    public int requestCount() {
        return requestCount.get();
    }

    /** Tokens sent since start or {@link #reset()}. */
    public int issuedCount() {
        return issued.size();
    }

    /** The tokens sent since start or {@link #reset()}, in issue order (a snapshot). */
    public List<IssuedToken> issuedTokens() {
        return List.copyOf(issued);
    }

    /**
     * Whether this endpoint ever issued {@code accessToken}, even before the last {@link #reset()}. Useful
     * because MSAL4J keeps a JVM-wide token cache: a credential may answer with a token fetched by an
     * earlier test.
     */
    public boolean hasIssued(String accessToken) {
        return everIssued.contains(sha256(accessToken));
    }

    /**
     * Calls {@code listener} with every token, on the request's thread, BEFORE the response is written: a
     * test database can accept the token before the client has it. If a listener throws, the endpoint
     * answers 500 and the token is not sent nor counted as issued. Listeners may be called concurrently;
     * {@link #reset()} removes them.
     */
    public void onIssue(Consumer<IssuedToken> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops listening and drops open connections. The {@link #shared()} endpoint cannot be stopped. */
    public void stop() {
        if (jvmWide) {
            throw new IllegalStateException(
                    "the shared endpoint lives as long as the JVM: call reset() instead of stop()/close()");
        }
        releaseHangingRequests();
        HttpServer current = server;
        if (current != null) {
            current.stop(0);
        }
        executor.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "LocalManagedIdentityEndpoint[" + url() + (jvmWide ? ", shared" : "") + "]";
    }

    // ---- request handling ----

    private void handle(HttpExchange exchange) {
        requestCount.incrementAndGet();
        CountDownLatch release = hangRelease; // taken first, so a reset() from here on releases this request
        try {
            pause(latency);
            Fault fault = takeFault();
            if (!answeredWithFault(exchange, fault, release)) {
                answer(exchange, fault);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop(): the connection is dropped below
        } catch (IOException | RuntimeException e) {
            LOG.debug("request ended without a complete answer: {}", e.toString());
        } finally {
            // Without a response sent, this closes the connection: what HANG and CLOSE_CONNECTION need.
            exchange.close();
        }
    }

    private synchronized Fault takeFault() {
        if (failNextRemaining > 0) {
            failNextRemaining--;
            return failNextFault;
        }
        return fault;
    }

    /** Faults of a broken server, which ignore the request: true when the exchange is done. */
    private boolean answeredWithFault(HttpExchange exchange, Fault fault, CountDownLatch release)
            throws IOException, InterruptedException {
        switch (fault) {
            case HTTP_500 ->
                sendError(exchange, 500, "An unexpected error occurred while fetching the token (injected fault)");
            case HTTP_503 -> sendError(exchange, 503, "The managed identity service is unavailable (injected fault)");
            case HTTP_429_RETRY_AFTER -> {
                exchange.getResponseHeaders().set("Retry-After", "2");
                sendError(exchange, 429, "Too many requests (injected fault)");
            }
            case HTTP_400 -> sendError(exchange, 400, "Unable to load the requested managed identity (injected fault)");
            case HTTP_403 -> sendError(exchange, 403, "The identity is not allowed to get this token (injected fault)");
            case HANG -> {
                LOG.debug("HANG: holding {} until reset() or stop()", describe(exchange));
                release.await();
            }
            case CLOSE_CONNECTION -> LOG.debug("CLOSE_CONNECTION: dropping {} without a response", describe(exchange));
            // Starts like a real answer (MSAL4J quotes the body it could not parse in its exception message).
            case MALFORMED_JSON ->
                send(exchange, 200, "{\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOi");
            default -> {
                return false;
            }
        }
        return true;
    }

    private void answer(HttpExchange exchange, Fault fault) throws IOException {
        Parsed parsed = AppServiceProtocol.parse(exchange, identityHeader);
        if (parsed instanceof Rejection rejection) {
            LOG.debug("rejected {} with {}: {}", describe(exchange), rejection.status(), rejection.message());
            sendError(exchange, rejection.status(), rejection.message());
            return;
        }
        TokenRequest request = (TokenRequest) parsed;
        String resource = request.resource();
        Identity identity = request.identity();
        if (fault == Fault.MISSING_ACCESS_TOKEN) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put(
                    "expires_on",
                    String.valueOf(Instant.now().plus(tokenLifetime).getEpochSecond()));
            body.put("resource", resource);
            body.put("token_type", "Bearer");
            body.put("client_id", identity.clientId());
            send(exchange, 200, JsonText.object(body));
            return;
        }
        IssuedToken token = mint(resource, identity, fault == Fault.EXPIRED_TOKEN);
        try {
            listeners.forEach(listener -> listener.accept(token));
        } catch (RuntimeException e) {
            LOG.warn("an onIssue listener failed, answering 500: {}", redact(e.toString(), token.accessToken()));
            sendError(exchange, 500, "The token could not be issued (an onIssue listener failed)");
            return;
        }
        issued.add(token);
        everIssued.add(sha256(token.accessToken()));
        LOG.debug(
                "issued a token for resource={} clientId={} expiresOn={}",
                resource,
                identity.clientId(),
                token.expiresOn());
        send(exchange, 200, successBody(token, fault));
    }

    private IssuedToken mint(String resource, Identity identity, boolean expired) {
        Duration lifetime = tokenLifetime;
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // An expired token looks as if issued a lifetime ago; expires_on has whole seconds only.
        Instant expiresOn = expired ? now.minusSeconds(60) : now.plusSeconds(lifetime.toSeconds());
        Instant issuedAt = expired ? expiresOn.minusSeconds(Math.max(0, lifetime.toSeconds())) : now;
        String accessToken = FakeAccessTokens.mint(resource, identity, issuedAt, expiresOn);
        return new IssuedToken(
                accessToken, resource, identity.clientId(), identity.objectId(), TENANT_ID, issuedAt, expiresOn);
    }

    private static String successBody(IssuedToken token, Fault fault) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token.accessToken());
        if (fault != Fault.MISSING_EXPIRES_ON) {
            body.put(
                    "expires_on",
                    String.valueOf(token.expiresOn().getEpochSecond())); // a string, as App Service sends it
        }
        body.put("resource", token.resource());
        body.put("token_type", "Bearer");
        body.put("client_id", token.clientId());
        if (fault == Fault.HUGE_BODY) {
            int json = JsonText.object(body).length();
            body.put("x_padding", "A".repeat(Math.max(0, HUGE_BODY_BYTES - json - 16)));
        }
        return JsonText.object(body);
    }

    private String redact(String text, String token) {
        return text.replace(token, "<access token>").replace(identityHeader, "<identity header>");
    }

    private void releaseHangingRequests() {
        CountDownLatch release = hangRelease;
        hangRelease = new CountDownLatch(1);
        release.countDown();
    }

    private static void pause(Duration duration) throws InterruptedException {
        if (!duration.isZero()) {
            Thread.sleep(duration.toMillis());
        }
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * HttpServer's dispatcher thread takes its daemon flag from the thread that calls start(): starting it
     * from a daemon thread keeps the endpoint from holding a JVM open (exec:java, a demo's main()).
     */
    private static void startOnDaemonThread(HttpServer server) {
        Thread starter = new Thread(server::start, "mi-endpoint-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local managed-identity endpoint", e);
        }
    }

    private static URI sharedEndpointFromEnvironment() {
        String endpoint = System.getenv(IDENTITY_ENDPOINT_ENV);
        String header = System.getenv(IDENTITY_HEADER_ENV);
        if (endpoint == null || endpoint.isBlank() || header == null || header.isBlank()) {
            throw new IllegalStateException(IDENTITY_ENDPOINT_ENV + " and " + IDENTITY_HEADER_ENV
                    + " are not set in this"
                    + " JVM's environment. MSAL4J reads them with System.getenv, so they cannot be set from inside a"
                    + " running JVM: run the tests through Maven (mvn test / mvn verify), whose surefire configuration"
                    + " sets both and reserves the port. From an IDE, delegate test runs to Maven, or set"
                    + " IDENTITY_ENDPOINT=http://127.0.0.1:<free port>" + PATH + " and IDENTITY_HEADER=<any secret>"
                    + " in the run configuration.");
        }
        URI uri = URI.create(endpoint.trim());
        if (uri.getPort() <= 0
                || !PATH.equals(uri.getPath())
                || !("127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost()))) {
            throw new IllegalStateException(IDENTITY_ENDPOINT_ENV + " must look like http://127.0.0.1:<port>" + PATH
                    + " with a real port, but is " + endpoint + ". Port 0 means surefire got no reserved port:"
                    + " build-helper's reserve-network-port only reaches surefire's configuration when the pom does"
                    + " NOT also define <" + PORT_SYSTEM_PROPERTY + "> in <properties> (Maven interpolates such a"
                    + " default into the configuration before the plugin runs), and only in a lifecycle run"
                    + " (mvn test), not a lone plugin goal. -D" + PORT_SYSTEM_PROPERTY + "=<free port> also works.");
        }
        String reserved = System.getProperty(PORT_SYSTEM_PROPERTY);
        if (reserved != null && !reserved.equals(String.valueOf(uri.getPort()))) {
            throw new IllegalStateException("system property " + PORT_SYSTEM_PROPERTY + "=" + reserved
                    + " disagrees with " + IDENTITY_ENDPOINT_ENV + "=" + endpoint);
        }
        return uri;
    }
}
