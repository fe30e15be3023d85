package dev.hybridcdn.ops.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The player model's arithmetic: hls.js's bandwidth estimate and level choice, buffer and stalls. */
class ListenerTest {
  private static final long MS = 1_000_000;

  @Test
  void theEstimateStartsAt500kAndFollowsTheSlowerOfTwoAverages() {
    BandwidthEstimator e = new BandwidthEstimator();
    assertEquals(500_000, e.estimate());
    e.sample(1000, 1_000_000); // 8 Mbit/s for 1 s
    assertEquals(8e6, e.estimate(), 1); // one sample: both averages are the sample
    e.sample(1000, 125_000); // then 1 Mbit/s for 1 s: the fast average drops further than the slow one
    assertTrue(e.estimate() < 8e6 && e.estimate() > 1e6, "estimate " + e.estimate());
  }

  @Test
  void levelChoiceSwitchesUpAtSevenTenthsAndStaysAtNineteenTwentieths() {
    long[] ladder = {64_000, 128_000, 192_000};
    // 192k x 1 needs 192k / 0.7 = 274k of estimate to switch up from 128k ...
    assertEquals(1, BandwidthEstimator.choose(ladder, 1, 270_000, 1));
    assertEquals(2, BandwidthEstimator.choose(ladder, 1, 280_000, 1));
    // ... but only 192k / 0.95 = 202k to stay on it
    assertEquals(2, BandwidthEstimator.choose(ladder, 2, 210_000, 1));
    // at 4x speed-up a rendition needs 4 times its bitrate; none fits: the lowest
    assertEquals(0, BandwidthEstimator.choose(ladder, 2, 100_000, 4));
  }

  @Test
  void aSpedUpPlayerStartsOnTheRenditionItWouldInRealTime() {
    long[] ladder = {64_000, 128_000, 192_000};
    int realTime = BandwidthEstimator.choose(ladder, 0, new BandwidthEstimator().estimate(), 1);
    assertEquals(2, realTime); // 192k fits 500k x 0.7
    assertEquals(realTime, BandwidthEstimator.choose(ladder, 0,
        new BandwidthEstimator(BandwidthEstimator.DEFAULT_ESTIMATE_BPS * 4).estimate(), 4));
    // hls.js's real-time prior at 4x would start on the lowest
    assertEquals(0, BandwidthEstimator.choose(ladder, 0, new BandwidthEstimator().estimate(), 4));
    // after the first sample the prior is gone: what was measured decides
    BandwidthEstimator sped = new BandwidthEstimator(BandwidthEstimator.DEFAULT_ESTIMATE_BPS * 4);
    sped.sample(1000, 50_000); // 400 kbit/s
    assertEquals(400_000, sped.estimate(), 1);
  }

  @Test
  void aStallIsCountedWhenThePlayheadReachesTheEndOfTheBufferBeforeTheNextSegment() {
    ListenerClock c = new ListenerClock(2, 0); // 2x speed-up, play pressed at t=0
    c.appended(300 * MS, 10_000); // first segment after 300 ms: startup 300 ms, 10 s of media = 5 s wall
    assertEquals(300, c.startupMs(), 0.001);
    assertEquals(10_000, c.aheadMediaMs(300 * MS), 0.001);
    assertEquals(8_000, c.aheadMediaMs(1300 * MS), 0.001); // 1 s of wall plays 2 s of media
    c.appended(4000 * MS, 10_000); // in time: 2.6 s of media were left (7.4 s played)
    assertEquals(0, c.stalls());
    // 12.6 s of media ahead at 4.0 s wall play out at 10.3 s: the next segment at 11.0 s ends a 0.7 s stall
    c.appended(11_000 * MS, 10_000);
    assertEquals(1, c.stalls());
    assertEquals(700, c.stallMs(), 0.001);
    assertEquals(5000, c.drainMs(11_000 * MS));
  }
}
