package dev.hybridcdn.peer.upload;

import static dev.hybridcdn.peer.upload.UploadPriority.BACKGROUND;
import static dev.hybridcdn.peer.upload.UploadPriority.URGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A holder's uplink backlog: what it accepts, what it refuses and for how long. */
class UplinkBudgetTest {
  static final long MS = 1_000_000;

  @Test
  void uploadsQueueAtTheUplinksRateUntilTheBoundThenAreRefusedUntilTheBacklogDrains() {
    // 8 Mbit/s = 1,000 bytes per ms; a 1,000 ms bound
    UplinkBudget uplink = new UplinkBudget(new UplinkBudget.Limit(8_000_000, Duration.ofMillis(1000)));
    long t = 1_000_000_000L;
    assertThat(uplink.tryBook(400_000, t, URGENT)).as("400 ms, alone").isZero();
    assertThat(uplink.tryBook(400_000, t, URGENT)).as("ends at 800 ms").isZero();
    assertThat(uplink.tryBook(400_000, t, URGENT)).as("would end at 1,200 ms: 800 ms until the backlog drains")
        .isEqualTo(800 * MS);
    assertThat(uplink.tryBook(200_000, t, URGENT)).as("ends at 1,000 ms: within the bound").isZero();
    assertThat(uplink.tryBook(400_000, t + 700 * MS, URGENT)).as("300 ms left, then 400").isZero();
    assertThat(uplink.refusals()).isEqualTo(1);
  }

  @Test
  void aBackgroundUploadMayFillHalfTheQueueAndAnUrgentOneWaitsOnlyForUrgentOnes() {
    // 8 Mbit/s = 1,000 bytes per ms; a 1,000 ms bound, 500 ms of it for background uploads
    UplinkBudget uplink = new UplinkBudget(new UplinkBudget.Limit(8_000_000, Duration.ofMillis(1000)));
    assertThat(uplink.tryBook(300_000, 0, BACKGROUND)).as("300 ms, alone").isZero();
    assertThat(uplink.tryBook(300_000, 0, BACKGROUND)).as("would end at 600 ms: past half the bound")
        .isEqualTo(300 * MS);
    assertThat(uplink.tryBook(200_000, 0, BACKGROUND)).as("ends at 500 ms").isZero();
    assertThat(uplink.tryBook(500_000, 0, URGENT)).as("an urgent one is sent first: no urgent one before it")
        .isZero();
    assertThat(uplink.tryBook(400_000, 0, URGENT)).as("behind 500 ms of urgent ones: ends at 900 ms").isZero();
    assertThat(uplink.tryBook(200_000, 0, URGENT)).as("would end at 1,100 ms: 900 ms until the urgent ones drain")
        .isEqualTo(900 * MS);
    assertThat(uplink.tryBook(1, 0, BACKGROUND)).as("a background one waits for all 1,400 ms")
        .isEqualTo(1400 * MS);
    assertThat(uplink.refusals()).isEqualTo(3);
  }

  @Test
  void anIdleUplinkTakesAnUploadLongerThanTheBound() {
    UplinkBudget uplink = new UplinkBudget(new UplinkBudget.Limit(2_000_000, Duration.ofMillis(1000)));
    assertThat(uplink.tryBook(500_000, 0, URGENT)).as("2 s at 2 Mbit/s, nothing before it").isZero();
    assertThat(uplink.tryBook(1, 0, URGENT)).as("one byte behind 2 s").isEqualTo(2000 * MS);
    assertThat(uplink.tryBook(1, 2000 * MS, URGENT)).as("drained").isZero();
  }

  @Test
  void anUrgentUploadIsBookedAheadOfALongBackgroundOne() {
    UplinkBudget uplink = new UplinkBudget(new UplinkBudget.Limit(2_000_000, Duration.ofMillis(1000)));
    assertThat(uplink.tryBook(500_000, 0, BACKGROUND)).as("2 s at 2 Mbit/s, nothing before it").isZero();
    assertThat(uplink.tryBook(100_000, 0, URGENT)).as("400 ms, sent before it").isZero();
    assertThat(uplink.tryBook(1, 0, BACKGROUND)).as("behind both: 2,400 ms").isEqualTo(2400 * MS);
  }

  @Test
  void aRelaysSendIsBookedWhateverTheBacklogAndLaterUploadsQueueBehindIt() {
    UplinkBudget uplink = new UplinkBudget(new UplinkBudget.Limit(8_000_000, Duration.ofMillis(1000)));
    uplink.book(900_000, 0);
    uplink.book(900_000, 0); // 1,800 ms booked, beyond the bound: still sent
    assertThat(uplink.tryBook(1, 0, URGENT)).as("behind 1,800 ms").isEqualTo(1800 * MS);
    assertThat(uplink.refusals()).isEqualTo(1);
  }

  @Test
  void anUnknownRateRefusesNothing() {
    UplinkBudget uplink = new UplinkBudget(UplinkBudget.Limit.NONE);
    for (int i = 0; i < 100; i++) {
      assertThat(uplink.tryBook(10_000_000, 0, URGENT)).isZero();
    }
  }

  @Test
  void theLimitIsReadFromTheEnvironmentAndValidated() {
    UplinkBudget.Limit l = UplinkBudget.Limit.from(new Env(Map.of("UPLINK_BITS_PER_SECOND", "4000000",
        "UPLOAD_QUEUE_MS", "750")));
    assertThat(l).isEqualTo(new UplinkBudget.Limit(4_000_000, Duration.ofMillis(750)));
    assertThat(UplinkBudget.Limit.from(new Env(Map.of()))).isEqualTo(UplinkBudget.Limit.NONE);
    assertThatThrownBy(() -> UplinkBudget.Limit.from(new Env(Map.of("UPLINK_BITS_PER_SECOND", "-1"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("UPLINK_BITS_PER_SECOND");
    assertThatThrownBy(() -> UplinkBudget.Limit.from(new Env(Map.of("UPLOAD_QUEUE_MS", "0"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("UPLOAD_QUEUE_MS");
  }
}
