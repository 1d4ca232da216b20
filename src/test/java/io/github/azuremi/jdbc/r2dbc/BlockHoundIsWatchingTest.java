package io.github.azuremi.jdbc.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The proof of every reactive test rests on BlockHound being installed in the test JVM (blockhound-junit-platform
 * does it, with the JVM flags in the pom): a deliberate block on a Reactor thread must be caught, or "no blocking
 * call was reported" would mean nothing.
 */
class BlockHoundIsWatchingTest {

    @Test
    void aSleepOnAParallelSchedulerThreadIsReported() {
        Mono<Integer> sleeping = Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                })
                .subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> sleeping.block(Duration.ofSeconds(5)))
                .hasStackTraceContaining("Blocking call!")
                .hasStackTraceContaining("java.lang.Thread.sleep");
    }

    @Test
    void waitingForAFutureOnTheSingleSchedulerThatR2dbcPoolUsesIsReported() {
        CompletableFuture<String> never = new CompletableFuture<>();
        Mono<String> waiting = Mono.fromCallable(() -> never.get()).subscribeOn(Schedulers.single());
        assertThatThrownBy(() -> waiting.block(Duration.ofSeconds(5))).hasStackTraceContaining("Blocking call!");
    }

    @Test
    void theSameCallOnAThreadThatMayBlockIsNotReported() {
        Mono<Integer> sleeping = Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return 1;
                })
                .subscribeOn(Schedulers.boundedElastic());
        assertThat(sleeping.block(Duration.ofSeconds(5))).isEqualTo(1);
    }
}
