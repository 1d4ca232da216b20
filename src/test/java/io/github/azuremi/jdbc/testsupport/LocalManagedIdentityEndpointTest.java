package io.github.azuremi.jdbc.testsupport;

import static io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.API_VERSION;
import static io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IDENTITY_HEADER_NAME;
import static io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.PATH;
import static io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.SYSTEM_ASSIGNED_CLIENT_ID;
import static io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.TENANT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.IssuedToken;
import io.github.azuremi.jdbc.testsupport.RawHttp.NoResponseException;
import io.github.azuremi.jdbc.testsupport.RawHttp.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class LocalManagedIdentityEndpointTest {

    private static final String RESOURCE = "https://ossrdbms-aad.database.windows.net";
    private static final String SCOPE = RESOURCE + "/.default";
    private static final String SECRET = "local-test-secret-" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalManagedIdentityEndpoint endpoint;

    @BeforeEach
    void startEndpoint() {
        endpoint = LocalManagedIdentityEndpoint.start(0, SECRET);
    }

    @AfterEach
    void stopEndpoint() {
        endpoint.close();
    }

    // ---- protocol ----

    @Test
    void answersAnAppServiceTokenRequestLikeAppService() throws IOException {
        Response response = tokenRequest("");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(fieldNames(body))
                .containsExactly("access_token", "expires_on", "resource", "token_type", "client_id");
        assertThat(body.get("expires_on").isTextual())
                .as("expires_on is a string, as App Service sends it")
                .isTrue();
        assertThat(Long.parseLong(body.get("expires_on").asText()))
                .isCloseTo(Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond(), within(5L));
        assertThat(body.get("resource").asText()).isEqualTo(RESOURCE);
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("client_id").asText()).isEqualTo(SYSTEM_ASSIGNED_CLIENT_ID);

        IssuedToken issued = onlyIssuedToken();
        assertThat(issued.accessToken()).isEqualTo(body.get("access_token").asText());
        assertThat(issued.resource()).isEqualTo(RESOURCE);
        assertThat(issued.clientId()).isEqualTo(SYSTEM_ASSIGNED_CLIENT_ID);
        assertThat(issued.tenantId()).isEqualTo(TENANT_ID);
        assertThat(issued.expiresOn().getEpochSecond())
                .isEqualTo(Long.parseLong(body.get("expires_on").asText()));
        assertThat(endpoint.requestCount()).isEqualTo(1);
        assertThat(endpoint.url()).isEqualTo("http://127.0.0.1:" + endpoint.port() + PATH);
        assertThat(endpoint.identityHeader()).isEqualTo(SECRET);
    }

    @Test
    void tokensAreJwtShapedAndSizedLikeManagedIdentityTokens() throws IOException {
        tokenRequest("");
        IssuedToken issued = onlyIssuedToken();
        String[] parts = issued.accessToken().split("\\.");

        assertThat(parts).hasSize(3);
        assertThat(issued.accessToken()).matches("[A-Za-z0-9_\\-.]+");
        assertThat(issued.accessToken().length()).isBetween(1200, 1600);
        JsonNode header = decodePart(parts[0]);
        assertThat(header.get("typ").asText()).isEqualTo("JWT");
        assertThat(header.get("alg").asText()).isEqualTo("RS256");
        assertThat(Base64.getUrlDecoder().decode(parts[2])).hasSize(256);

        JsonNode claims = decodePart(parts[1]);
        assertThat(claims.get("aud").asText()).isEqualTo(RESOURCE);
        assertThat(claims.get("iss").asText()).isEqualTo("https://sts.windows.net/" + TENANT_ID + "/");
        assertThat(claims.get("tid").asText()).isEqualTo(TENANT_ID);
        assertThat(claims.get("appid").asText()).isEqualTo(SYSTEM_ASSIGNED_CLIENT_ID);
        assertThat(claims.get("oid").asText()).isEqualTo(issued.objectId());
        assertThat(UUID.fromString(issued.objectId())).isNotNull();
        assertThat(claims.get("iat").asLong()).isEqualTo(issued.issuedAt().getEpochSecond());
        assertThat(claims.get("nbf").asLong()).isEqualTo(issued.issuedAt().getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(issued.expiresOn().getEpochSecond());
        assertThat(claims.get("uti").asText()).isNotBlank();
    }

    @Test
    void everyTokenIsUniqueButTheIdentityIsStable() throws IOException {
        for (int i = 0; i < 20; i++) {
            tokenRequest("");
        }
        List<IssuedToken> issued = endpoint.issuedTokens();

        assertThat(issued).hasSize(20);
        assertThat(issued.stream().map(IssuedToken::accessToken).distinct()).hasSize(20);
        assertThat(issued.stream()
                        .map(t -> claims(t.accessToken()).get("uti").asText())
                        .distinct())
                .hasSize(20);
        assertThat(issued.stream().map(IssuedToken::objectId).distinct()).hasSize(1);
    }

    @Test
    void userAssignedClientIdBecomesTheAppIdWithAStableObjectId() throws IOException {
        String clientA = UUID.randomUUID().toString();
        String clientB = UUID.randomUUID().toString();

        JsonNode first = JSON.readTree(tokenRequest("&client_id=" + clientA).body());
        tokenRequest("&client_id=" + clientA);
        tokenRequest("&client_id=" + clientB);

        List<IssuedToken> issued = endpoint.issuedTokens();
        assertThat(first.get("client_id").asText()).isEqualTo(clientA);
        assertThat(claims(issued.get(0).accessToken()).get("appid").asText()).isEqualTo(clientA);
        assertThat(issued.get(0).clientId()).isEqualTo(clientA);
        assertThat(issued.get(1).objectId()).isEqualTo(issued.get(0).objectId());
        assertThat(issued.get(2).objectId()).isNotEqualTo(issued.get(0).objectId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"object_id", "principal_id"})
    void objectIdSelectorsNameTheObjectId(String parameter) throws IOException {
        String objectId = UUID.randomUUID().toString();

        assertThat(tokenRequest("&" + parameter + "=" + objectId).status()).isEqualTo(200);

        IssuedToken issued = onlyIssuedToken();
        assertThat(issued.objectId()).isEqualTo(objectId);
        assertThat(claims(issued.accessToken()).get("oid").asText()).isEqualTo(objectId);
    }

    @Test
    void resourceIdSelectorGetsAStableClientId() throws IOException {
        String resourceId =
                "/subscriptions/1/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app";
        String query = "&mi_res_id=" + URLEncoder.encode(resourceId, StandardCharsets.UTF_8);

        tokenRequest(query);
        tokenRequest(query);

        List<IssuedToken> issued = endpoint.issuedTokens();
        assertThat(issued.get(0).clientId())
                .isEqualTo(issued.get(1).clientId())
                .isNotEqualTo(SYSTEM_ASSIGNED_CLIENT_ID);
        assertThat(claims(issued.get(0).accessToken()).get("xms_mirid").asText())
                .isEqualTo(resourceId);
    }

    @Test
    void refusesWhatAppServiceRefuses() throws IOException {
        String valid = PATH + "?api-version=" + API_VERSION + "&resource=" + encode(RESOURCE);

        assertThat(RawHttp.get(endpoint.port(), valid, Map.of()).status())
                .as("no identity header")
                .isEqualTo(400);
        assertThat(RawHttp.get(endpoint.port(), valid, Map.of(IDENTITY_HEADER_NAME, "wrong"))
                        .status())
                .as("wrong identity header")
                .isEqualTo(401);
        assertThat(get(PATH + "?resource=" + encode(RESOURCE)).status())
                .as("no api-version")
                .isEqualTo(400);
        assertThat(get(PATH + "?api-version=2017-09-01&resource=" + encode(RESOURCE))
                        .status())
                .as("old api-version")
                .isEqualTo(400);
        assertThat(get(PATH + "?api-version=" + API_VERSION).status())
                .as("no resource")
                .isEqualTo(400);
        assertThat(get(valid + "&client_id=a&object_id=b").status())
                .as("two identities")
                .isEqualTo(400);
        assertThat(get("/msi/other?api-version=" + API_VERSION + "&resource=x").status())
                .as("other path")
                .isEqualTo(404);
        assertThat(RawHttp.send(
                                endpoint.port(),
                                "POST",
                                valid,
                                Map.of(IDENTITY_HEADER_NAME, SECRET, "Content-Length", "0"),
                                Duration.ofSeconds(10))
                        .status())
                .as("POST")
                .isEqualTo(405);

        Response refused = get(PATH + "?api-version=" + API_VERSION);
        JsonNode error = JSON.readTree(refused.body());
        assertThat(error.get("statusCode").asInt()).isEqualTo(400);
        assertThat(error.get("message").asText()).contains("resource");
        assertThat(error.get("correlationId").asText()).isNotBlank();
        assertThat(endpoint.requestCount()).isEqualTo(9);
        assertThat(endpoint.issuedCount()).isZero();
    }

    // ---- faults ----

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"HTTP_500", "HTTP_503", "HTTP_429_RETRY_AFTER", "HTTP_400", "HTTP_403"})
    void statusFaultsAnswerWithAppServiceErrorsUntilCleared(Fault fault) throws IOException {
        int expectedStatus = Integer.parseInt(fault.name().substring(5, 8));
        endpoint.setFault(fault);

        Response first = tokenRequest("");
        Response second = tokenRequest("");

        assertThat(first.status()).isEqualTo(expectedStatus);
        assertThat(second.status()).as("faults persist").isEqualTo(expectedStatus);
        assertThat(JSON.readTree(first.body()).get("message").asText()).isNotBlank();
        assertThat(first.header("Retry-After")).isEqualTo(fault == Fault.HTTP_429_RETRY_AFTER ? "2" : null);
        assertThat(endpoint.issuedCount()).isZero();

        endpoint.setFault(Fault.NONE);
        assertThat(tokenRequest("").status()).isEqualTo(200);
        assertThat(endpoint.requestCount()).isEqualTo(3);
    }

    @Test
    void malformedJsonIsA200ThatDoesNotParse() throws IOException {
        endpoint.setFault(Fault.MALFORMED_JSON);

        Response response = tokenRequest("");

        assertThat(response.status()).isEqualTo(200);
        assertThatThrownBy(() -> JSON.readTree(response.body())).isInstanceOf(IOException.class);
        assertThat(endpoint.issuedCount()).isZero();
    }

    @Test
    void missingAccessTokenLeavesOnlyTheToken() throws IOException {
        endpoint.setFault(Fault.MISSING_ACCESS_TOKEN);

        JsonNode body = JSON.readTree(tokenRequest("").body());

        assertThat(fieldNames(body)).containsExactly("expires_on", "resource", "token_type", "client_id");
        assertThat(endpoint.issuedCount()).isZero();
    }

    @Test
    void missingExpiresOnSendsATokenWithoutExpiry() throws IOException {
        endpoint.setFault(Fault.MISSING_EXPIRES_ON);

        JsonNode body = JSON.readTree(tokenRequest("").body());

        assertThat(fieldNames(body)).containsExactly("access_token", "resource", "token_type", "client_id");
        assertThat(onlyIssuedToken().accessToken())
                .isEqualTo(body.get("access_token").asText());
    }

    @Test
    void expiredTokenExpiredBeforeItWasSent() throws IOException {
        endpoint.setFault(Fault.EXPIRED_TOKEN);

        JsonNode body = JSON.readTree(tokenRequest("").body());

        long expiresOn = Long.parseLong(body.get("expires_on").asText());
        assertThat(expiresOn).isLessThan(Instant.now().getEpochSecond());
        assertThat(claims(body.get("access_token").asText()).get("exp").asLong())
                .isEqualTo(expiresOn);
        assertThat(onlyIssuedToken().expiresOn()).isBefore(Instant.now());
    }

    @Test
    void hugeBodyIsAValidAnswerOfFiveMegabytes() throws IOException {
        endpoint.setFault(Fault.HUGE_BODY);

        Response response = tokenRequest("");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().length())
                .isBetween(
                        LocalManagedIdentityEndpoint.HUGE_BODY_BYTES - 1024,
                        LocalManagedIdentityEndpoint.HUGE_BODY_BYTES);
        assertThat(JSON.readTree(response.body()).get("access_token").asText())
                .isEqualTo(onlyIssuedToken().accessToken());
    }

    @Test
    void closeConnectionDropsTheSocketWithoutAResponse() {
        endpoint.setFault(Fault.CLOSE_CONNECTION);

        assertThatThrownBy(() -> tokenRequest("")).isInstanceOf(NoResponseException.class);
        assertThat(endpoint.requestCount()).isEqualTo(1);
        assertThat(endpoint.issuedCount()).isZero();
    }

    @Test
    void hangHoldsOnlyTheHangingRequestsUntilReset() throws Exception {
        endpoint.setFault(Fault.HANG);
        CompletableFuture<Response> hanging = tokenRequestInBackground();
        CompletableFuture<Response> hangingToo = tokenRequestInBackground();
        awaitRequestCount(2);
        endpoint.setFault(Fault.NONE);

        assertThat(tokenRequest("").status())
                .as("others are answered meanwhile")
                .isEqualTo(200);
        assertThat(hanging).isNotDone();
        assertThat(hangingToo).isNotDone();

        endpoint.reset();
        assertThat(causeOf(hanging)).isInstanceOf(NoResponseException.class);
        assertThat(causeOf(hangingToo)).isInstanceOf(NoResponseException.class);
    }

    @Test
    void stopReleasesHangingRequests() throws Exception {
        endpoint.setFault(Fault.HANG);
        CompletableFuture<Response> hanging = tokenRequestInBackground();
        awaitRequestCount(1);

        endpoint.stop();

        assertThat(causeOf(hanging)).isInstanceOf(IOException.class);
    }

    @Test
    void failNextFailsOnlyTheNextRequests() throws IOException {
        endpoint.failNext(2, Fault.HTTP_503);

        assertThat(tokenRequest("").status()).isEqualTo(503);
        assertThat(tokenRequest("").status()).isEqualTo(503);
        assertThat(tokenRequest("").status()).isEqualTo(200);
        assertThat(tokenRequest("").status()).isEqualTo(200);
        assertThat(endpoint.requestCount()).isEqualTo(4);
        assertThat(endpoint.issuedCount()).isEqualTo(2);
    }

    @Test
    void failNextComesBeforeThePersistentFault() throws IOException {
        endpoint.setFault(Fault.HTTP_500);
        endpoint.failNext(1, Fault.NONE);

        assertThat(tokenRequest("").status()).isEqualTo(200);
        assertThat(tokenRequest("").status()).isEqualTo(500);
    }

    // ---- settings and bookkeeping ----

    @Test
    void latencyDelaysEveryAnswerIncludingFailures() throws IOException {
        endpoint.setLatency(Duration.ofMillis(300));

        long start = System.nanoTime();
        tokenRequest("");
        endpoint.setFault(Fault.HTTP_500);
        tokenRequest("");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    @Test
    void tokenLifetimeSetsExpiresOn() throws IOException {
        endpoint.setTokenLifetime(Duration.ofHours(24));

        JsonNode body = JSON.readTree(tokenRequest("").body());

        assertThat(Long.parseLong(body.get("expires_on").asText()))
                .isCloseTo(Instant.now().plus(Duration.ofHours(24)).getEpochSecond(), within(5L));
    }

    @Test
    void listenersSeeTheTokenBeforeTheClientDoes() throws Exception {
        AtomicReference<IssuedToken> seen = new AtomicReference<>();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch releaseListener = new CountDownLatch(1);
        endpoint.onIssue(token -> {
            seen.set(token);
            inListener.countDown();
            await(releaseListener);
        });

        CompletableFuture<Response> response = tokenRequestInBackground();
        assertThat(inListener.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        assertThat(response).as("no answer while the listener runs").isNotDone();
        assertThat(endpoint.issuedCount()).isZero();

        releaseListener.countDown();
        JsonNode body = JSON.readTree(response.get(10, TimeUnit.SECONDS).body());
        assertThat(body.get("access_token").asText()).isEqualTo(seen.get().accessToken());
        assertThat(endpoint.issuedTokens()).containsExactly(seen.get());
    }

    @Test
    void aFailingListenerMakesTheEndpointAnswer500() throws IOException {
        endpoint.onIssue(token -> {
            throw new IllegalStateException("the database refused it");
        });

        Response response = tokenRequest("");

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("eyJ");
        assertThat(endpoint.issuedCount()).isZero();
        assertThat(endpoint.requestCount()).isEqualTo(1);
    }

    @Test
    void resetRestoresTheDefaults() throws IOException {
        AtomicInteger listenerCalls = new AtomicInteger();
        endpoint.onIssue(token -> listenerCalls.incrementAndGet());
        endpoint.setTokenLifetime(Duration.ofHours(1));
        endpoint.setFault(Fault.HTTP_500);
        endpoint.failNext(5, Fault.HTTP_503);
        assertThat(tokenRequest("").status()).isEqualTo(503);
        endpoint.setLatency(Duration.ofSeconds(2));

        endpoint.reset();

        assertThat(endpoint.requestCount()).isZero();
        long start = System.nanoTime();
        JsonNode body = JSON.readTree(tokenRequest("").body());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(Long.parseLong(body.get("expires_on").asText()))
                .isCloseTo(Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond(), within(5L));
        assertThat(listenerCalls).hasValue(0);
        assertThat(endpoint.issuedCount()).isEqualTo(1);
    }

    @Test
    void hasIssuedRemembersTokensAcrossReset() throws IOException {
        String token =
                JSON.readTree(tokenRequest("").body()).get("access_token").asText();

        endpoint.reset();

        assertThat(endpoint.hasIssued(token)).isTrue();
        assertThat(endpoint.hasIssued(token + "x")).isFalse();
    }

    @Test
    void issuedTokenToStringLeavesTheTokenOut() throws IOException {
        tokenRequest("");
        IssuedToken issued = onlyIssuedToken();

        assertThat(issued.toString())
                .doesNotContain(issued.accessToken())
                .doesNotContain("eyJ")
                .contains(
                        RESOURCE,
                        issued.clientId(),
                        String.valueOf(issued.accessToken().length()));
    }

    @Test
    void neverLogsTokensOrTheIdentityHeader() throws IOException {
        AtomicReference<String> refused = new AtomicReference<>();
        ListAppender<ILoggingEvent> logs = captureLogs();
        try {
            endpoint.onIssue(token -> {
                if (refused.compareAndSet(null, token.accessToken())) {
                    throw new IllegalStateException("refusing " + token.accessToken() + " for " + SECRET);
                }
            });
            tokenRequest("");
            tokenRequest("");
            RawHttp.get(
                    endpoint.port(), PATH + "?api-version=" + API_VERSION, Map.of(IDENTITY_HEADER_NAME, SECRET + "x"));
            endpoint.setFault(Fault.CLOSE_CONNECTION);
            assertThatThrownBy(() -> tokenRequest("")).isInstanceOf(NoResponseException.class);
        } finally {
            releaseLogs(logs);
        }

        String sent = endpoint.issuedTokens().get(0).accessToken();
        assertThat(logs.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("listener failed"));
        for (ILoggingEvent event : logs.list) {
            String text = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(text)
                    .doesNotContain(refused.get())
                    .doesNotContain(sent)
                    .doesNotContain(SECRET)
                    .doesNotContain("eyJ");
        }
    }

    @Test
    void endpointThreadsAreDaemonsSoTheyNeverHoldTheJvmOpen() throws IOException {
        tokenRequest("");

        List<Thread> threads = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("HTTP-Dispatcher")
                    || thread.getName().startsWith("mi-endpoint-")) {
                threads.add(thread);
            }
        }
        assertThat(threads).isNotEmpty().allMatch(Thread::isDaemon, "is a daemon thread");
    }

    // ---- the JVM-wide endpoint, and the real azure-identity against it ----

    @Nested
    class SharedEndpoint {

        private final LocalManagedIdentityEndpoint shared = LocalManagedIdentityEndpoint.shared();

        @BeforeEach
        @AfterEach
        void resetShared() {
            shared.reset();
        }

        @Test
        void listensWhereSurefirePointsMsal() {
            assertThat(LocalManagedIdentityEndpoint.shared()).isSameAs(shared);
            assertThat(shared.url()).isEqualTo(System.getenv("IDENTITY_ENDPOINT"));
            assertThat(shared.port()).isEqualTo(Integer.parseInt(System.getProperty("mi.endpoint.port")));
            assertThat(shared.identityHeader()).isEqualTo(System.getenv("IDENTITY_HEADER"));
            assertThatThrownBy(shared::close)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reset()");
        }

        @Test
        void systemAssignedManagedIdentityCredentialGetsItsTokenHere() {
            AccessToken token = new ManagedIdentityCredentialBuilder()
                    .build()
                    .getTokenSync(new TokenRequestContext().addScopes(SCOPE));

            // MSAL4J caches managed-identity tokens JVM-wide (until 5 minutes before expiry): when an earlier
            // test fetched this scope, the credential answers from that cache without asking the endpoint.
            assertThat(shared.hasIssued(token.getToken())).isTrue();
            JsonNode claims = claims(token.getToken());
            assertThat(claims.get("aud").asText()).isEqualTo(RESOURCE);
            assertThat(claims.get("appid").asText()).isEqualTo(SYSTEM_ASSIGNED_CLIENT_ID);
            assertThat(token.getExpiresAt().toEpochSecond())
                    .isEqualTo(claims.get("exp").asLong());
        }

        @Test
        void userAssignedCredentialSendsItsClientIdAndTheScopeWithoutDefault() {
            String clientId = UUID.randomUUID().toString(); // a new identity: nothing cached for it

            AccessToken token = new ManagedIdentityCredentialBuilder()
                    .clientId(clientId)
                    .build()
                    .getTokenSync(new TokenRequestContext().addScopes(SCOPE));

            assertThat(shared.requestCount()).isEqualTo(1);
            IssuedToken issued = shared.issuedTokens().get(0);
            assertThat(token.getToken()).isEqualTo(issued.accessToken());
            assertThat(issued.resource()).isEqualTo(RESOURCE);
            assertThat(issued.clientId()).isEqualTo(clientId);
            assertThat(token.getExpiresAt().toInstant()).isEqualTo(issued.expiresOn());
        }

        @Test
        void msalServesTenMinuteTokensFromItsCacheButFetchesShortLivedOnesEveryTime() {
            String cachedId = UUID.randomUUID().toString();
            String shortLivedId = UUID.randomUUID().toString();
            TokenRequestContext request = new TokenRequestContext().addScopes(SCOPE);

            var cached =
                    new ManagedIdentityCredentialBuilder().clientId(cachedId).build();
            cached.getTokenSync(request);
            cached.getTokenSync(request);
            new ManagedIdentityCredentialBuilder().clientId(cachedId).build().getTokenSync(request);
            assertThat(shared.issuedCount())
                    .as("one fetch, then MSAL's JVM-wide cache")
                    .isEqualTo(1);

            shared.setTokenLifetime(Duration.ofMinutes(4)); // under MSAL's 5-minute expiry margin
            var shortLived = new ManagedIdentityCredentialBuilder()
                    .clientId(shortLivedId)
                    .build();
            shortLived.getTokenSync(request);
            shortLived.getTokenSync(request);
            assertThat(shared.issuedCount()).isEqualTo(3);
        }

        @Test
        void aTransient503IsRetriedBeforeTheCredentialFails() {
            shared.failNext(1, Fault.HTTP_503);

            AccessToken token = new ManagedIdentityCredentialBuilder()
                    .clientId(UUID.randomUUID().toString())
                    .build()
                    .getTokenSync(new TokenRequestContext().addScopes(SCOPE));

            assertThat(shared.requestCount()).isEqualTo(2);
            assertThat(token.getToken()).isEqualTo(shared.issuedTokens().get(0).accessToken());
        }
    }

    // ---- helpers ----

    private Response tokenRequest(String extraQuery) throws IOException {
        return get(PATH + "?api-version=" + API_VERSION + "&resource=" + encode(RESOURCE) + extraQuery);
    }

    private Response get(String pathAndQuery) throws IOException {
        return RawHttp.get(endpoint.port(), pathAndQuery, Map.of(IDENTITY_HEADER_NAME, SECRET));
    }

    private CompletableFuture<Response> tokenRequestInBackground() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return tokenRequest("");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Throwable causeOf(CompletableFuture<Response> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected the request to fail");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof UncheckedIOException ? cause.getCause() : cause;
        }
    }

    private void awaitRequestCount(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (endpoint.requestCount() < count) {
            assertThat(System.nanoTime()).as("requests arrived in time").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private IssuedToken onlyIssuedToken() {
        assertThat(endpoint.issuedTokens()).hasSize(1);
        return endpoint.issuedTokens().get(0);
    }

    private static JsonNode claims(String token) {
        return decodePart(token.split("\\.")[1]);
    }

    private static JsonNode decodePart(String part) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(part));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        rootLogger().addAppender(appender);
        return appender;
    }

    private static void releaseLogs(ListAppender<ILoggingEvent> appender) {
        rootLogger().detachAppender(appender);
        appender.stop();
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
