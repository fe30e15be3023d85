package dev.hybridcdn.peer.fetch;

import static dev.hybridcdn.peer.upload.UploadPriority.BACKGROUND;
import static dev.hybridcdn.peer.upload.UploadPriority.URGENT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How long a requester skips a holder after bad bytes, a failure or a busy answer. */
class PenaltiesTest {
  static final long PENALTY = 60_000;
  static final long BACKOFF = 2_000;

  @Test
  void failuresBackOffExponentiallyUpToThePenaltyAndAtLeastTheRetryAfter() {
    Penalties p = new Penalties(PENALTY, BACKOFF);
    assertThat(p.demote("h", 0, 0)).isEqualTo(2_000);
    assertThat(p.demote("h", 10, 0)).isEqualTo(4_000);
    assertThat(p.demote("h", 20, 0)).isEqualTo(8_000);
    assertThat(p.isPenalised("h", 8_019, URGENT)).isTrue();
    assertThat(p.isPenalised("h", 8_020, URGENT)).isFalse();
    for (int i = 0; i < 10; i++) {
      p.demote("h", 30, 0);
    }
    assertThat(p.demote("h", 40, 0)).as("capped").isEqualTo(PENALTY);
    assertThat(new Penalties(PENALTY, BACKOFF).demote("x", 0, 5_000)).as("its Retry-After").isEqualTo(5_000);
  }

  @Test
  void aStreakIsForgottenAfterGoodBytesOrAQuietPenaltyPeriod() {
    Penalties p = new Penalties(PENALTY, BACKOFF);
    p.demote("h", 0, 0);
    p.demote("h", 0, 0);
    p.served("h");
    assertThat(p.demote("h", 0, 0)).as("served: one back-off again").isEqualTo(2_000);
    assertThat(p.demote("h", PENALTY + 1, 0)).as("quiet for PENALTY_MS").isEqualTo(2_000);
  }

  @Test
  void aBusyHolderIsSkippedForItsRetryAfterWithoutAStrike() {
    Penalties p = new Penalties(PENALTY, BACKOFF);
    for (int i = 0; i < 5; i++) {
      p.busy("h", 0, 2_000, URGENT);
    }
    assertThat(p.isPenalised("h", 1_999, URGENT)).isTrue();
    assertThat(p.isPenalised("h", 2_000, URGENT)).as("back after its Retry-After, however often busy").isFalse();
    assertThat(p.demote("h", 3_000, 0)).as("busy left no strike: a first failure").isEqualTo(2_000);
    assertThat(p.busy("y", 0, 0, URGENT)).as("when it is asked again: no Retry-After, 1 s")
        .isEqualTo(Penalties.MIN_BUSY_MS);
    assertThat(p.isPenalised("y", Penalties.MIN_BUSY_MS - 1, URGENT)).isTrue();
    assertThat(p.isPenalised("y", Penalties.MIN_BUSY_MS, URGENT)).isFalse();
  }

  @Test
  void aHolderThatRefusedABackgroundRequestIsSkippedByBackgroundRequestsOnly() {
    Penalties p = new Penalties(PENALTY, BACKOFF);
    assertThat(p.busy("h", 0, 2_000, BACKGROUND)).as("asked again in the background from").isEqualTo(2_000);
    assertThat(p.isPenalised("h", 1_000, BACKGROUND)).isTrue();
    assertThat(p.isPenalised("h", 1_000, URGENT)).as("it keeps room for urgent requests").isFalse();
    assertThat(p.active(1_000, 8, BACKGROUND)).containsExactly("h");
    assertThat(p.active(1_000, 8, URGENT)).as("not excluded at the tracker for urgent lookups").isEmpty();
    p.busy("u", 0, 3_000, URGENT);
    assertThat(p.isPenalised("u", 2_999, BACKGROUND)).as("refusing urgent requests, it refuses background ones")
        .isTrue();
    assertThat(p.isPenalised("h", 2_000, BACKGROUND)).isFalse();
  }

  @Test
  void badBytesAreSkippedForThePenalty() {
    Penalties p = new Penalties(PENALTY, BACKOFF);
    p.penalise("bad", 0);
    assertThat(p.isPenalised("bad", PENALTY - 1, URGENT)).isTrue();
    assertThat(p.isPenalised("bad", PENALTY, URGENT)).isFalse();
  }
}
