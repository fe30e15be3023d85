package dev.hybridcdn.ops.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayCommandTest {
  @Test
  void timesAreIsoInstantsOrDurationsAgo() {
    assertThat(ReplayCommand.instant("--from", "2026-01-31T10:00:00Z")).isEqualTo(Instant.parse("2026-01-31T10:00:00Z"));
    Instant fifteenMinutesAgo = ReplayCommand.instant("--from", "15m");
    assertThat(Duration.between(fifteenMinutesAgo, Instant.now()).toSeconds()).isBetween(899L, 905L);
    assertThat(ReplayCommand.instant("--to", "2d")).isBefore(Instant.now().minus(Duration.ofHours(47)));
    assertThatThrownBy(() -> ReplayCommand.instant("--to", "soon")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--to");
  }
}
