package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.azuremi.jdbc.TokenFetchFailure;
import io.github.azuremi.jdbc.TokenInfo;
import io.github.azuremi.jdbc.TokenListener;
import io.github.azuremi.jdbc.TokenStatus;
import io.github.azuremi.jdbc.internal.r2dbc.TokenLoginConnectionFactory;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.Fault;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Schedulers;

/**
 * The listeners of an R2DBC factory's lease (what its token metrics and health attach to): attached after the factory
 * was built, told of every request from then on, isolated from each other, detached on removal; and the status the
 * health indicator reads, never with the token.
 */
class R2dbcTokenListenersTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final R2dbcDatabase pg = R2dbcDatabase.postgres();

    @Test
    void listenersAttachedAfterTheFactoryAreToldOfEachRequestAndOneThatThrowsDoesNotSilenceTheOthers() {
        String clientId = pg.newIdentity();
        ConnectionFactory pool = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("pool:azuremi:", clientId)));
        TokenLoginConnectionFactory ours = TokenLoginConnectionFactory.find(pool);
        assertThat(ours).isNotNull();
        assertThat(ours.tokenStatus()).as("no connection asked for yet").isNull();
        List<String> told = new CopyOnWriteArrayList<>();
        ours.addTokenListener(new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                throw new IllegalStateException("a listener that fails (test)");
            }
        });
        TokenListener recorder = new TokenListener() {
            @Override
            public void onTokenFetched(TokenInfo info) {
                told.add("fetched");
            }

            @Override
            public void onTokenFetchFailed(TokenFetchFailure failure) {
                told.add("failed");
            }
        };
        ours.addTokenListener(recorder);

        assertThat(R2dbcDatabase.row(pool, "SELECT current_user")
                        .subscribeOn(Schedulers.parallel())
                        .block(WAIT))
                .containsExactly(pg.role);

        assertThat(told).containsExactly("fetched");
        TokenStatus status = ours.tokenStatus();
        assertThat(status.usable()).isTrue();
        String token = pg.endpoint.issuedTokens().get(0).accessToken();
        assertThat(String.valueOf(status)).doesNotContain(token);
        assertThat(ours.tokenDescription()).contains(clientId).doesNotContain(token);

        ours.removeTokenListener(recorder);
        ours.close();
        assertThat(told).containsExactly("fetched");
    }

    @Test
    void aFailedRequestReachesTheListenersAndTheStatusSaysWhyWithoutAToken() {
        String clientId = pg.newIdentity();
        pg.endpoint.setFault(Fault.HTTP_400);
        ConnectionFactory factory = pg.closeAfter(ConnectionFactories.get(pg.verifiedUrl("azuremi:", clientId)));
        TokenLoginConnectionFactory ours = TokenLoginConnectionFactory.find(factory);
        List<Integer> failures = new CopyOnWriteArrayList<>();
        ours.addTokenListener(new TokenListener() {
            @Override
            public void onTokenFetchFailed(TokenFetchFailure failure) {
                failures.add(failure.consecutiveFailures());
            }
        });

        assertThatThrownBy(() -> R2dbcDatabase.row(factory, "SELECT 1").block(WAIT))
                .isNotNull();

        // the login gives up when its wait ends; the request's failure may reach the listeners a moment later
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (failures.isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        assertThat(failures).isNotEmpty().startsWith(1);
        TokenStatus status = ours.tokenStatus();
        assertThat(status.usable()).isFalse();
        assertThat(status.reason()).contains("no access token").contains(clientId);
        assertThat(pg.endpoint.issuedCount()).isZero();
    }
}
