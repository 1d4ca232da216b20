package io.github.azuremi.jdbc.internal.token;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policy's own range checks, at their exact edges. */
class RefreshPolicyEdgeTest {

  private static final Duration MARGIN = Duration.ofSeconds(30);

  @Test
  void aRatioOfExactlyZeroOrOneIsRefused() {
    assertThatThrownBy(() -> new RefreshPolicy(0.0, 0.1, MARGIN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ratio");
    assertThatThrownBy(() -> new RefreshPolicy(1.0, 0.1, MARGIN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ratio");
  }

  @Test
  void aJitterOfExactlyZeroOrOneHalfIsAccepted() {
    assertThat(new RefreshPolicy(0.5, 0.0, MARGIN).jitter()).isEqualTo(0.0);
    assertThat(new RefreshPolicy(0.5, 0.5, MARGIN).jitter()).isEqualTo(0.5);
    assertThat(new RefreshPolicy(0.25, 0.5, Duration.ZERO).ratio()).isEqualTo(0.25);
    assertThat(new RefreshPolicy(0.25, 0.5, Duration.ZERO).expiryMargin()).isEqualTo(Duration.ZERO);
  }
}
