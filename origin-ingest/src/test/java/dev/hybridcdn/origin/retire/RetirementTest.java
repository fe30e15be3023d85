package dev.hybridcdn.origin.retire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetirementTest {
  @Test
  void sweepsEveryTenthOfTheRetentionWithinBounds() {
    assertThat(Retirement.sweepInterval(Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(30));
    assertThat(Retirement.sweepInterval(Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(2));
    assertThat(Retirement.sweepInterval(Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aRetirementIsKeyedByVersionSoCompactionKeepsTheSongsCurrentSongPublished() {
    assertThat(Retirement.key("demo", 3)).isEqualTo("demo@v3").isNotEqualTo("demo");
  }
}
