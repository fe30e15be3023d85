package dev.hybridcdn.ops.swarm;

/**
 * A player's bandwidth estimate as hls.js 1.x makes it ({@code EwmaBandWidthEstimator}): two
 * exponentially weighted moving averages of each segment's throughput, weighted by its load time,
 * with half-lives of 3 s (fast) and 9 s (slow) ({@code abrEwmaFastVoD}, {@code abrEwmaSlowVoD});
 * the estimate is the lower of the two, and a prior ({@code abrEwmaDefaultEstimate}, 500 kbit/s)
 * before the first sample.
 */
final class BandwidthEstimator {
  static final double DEFAULT_ESTIMATE_BPS = 500_000;
  private final Ewma fast = new Ewma(3);
  private final Ewma slow = new Ewma(9);
  private final double priorBps;

  /** hls.js's prior, 500 kbit/s: a player in real time. */
  BandwidthEstimator() {
    this(DEFAULT_ESTIMATE_BPS);
  }

  /**
   * @param priorBps the estimate before the first sample, bit/s. A run at speed-up s passes 500 kbit/s
   *     x s: {@link #choose} asks s times each rendition's bitrate, as the media plays s times faster
   *     over the same network, and hls.js's prior is tuned for real time; unscaled, every player of a
   *     4x run started on the lowest rendition and switched up after its first segment, where in real
   *     time none switched (cdn eval, 2026-11-30: 1.00 switch per song at 4x, 0.00 at 1x).
   */
  BandwidthEstimator(double priorBps) {
    this.priorBps = priorBps;
  }

  /**
   * One segment (or playlist) load.
   *
   * @param loadMs from request to last byte, ms (at least 1 ms counts)
   * @param bytes body bytes
   */
  void sample(double loadMs, long bytes) {
    double seconds = Math.max(loadMs, 1) / 1000.0;
    double bps = 8.0 * bytes / seconds;
    fast.sample(seconds, bps);
    slow.sample(seconds, bps);
  }

  /** The estimate, bit/s. */
  double estimate() {
    if (fast.totalWeight < 0.001) {
      return priorBps;
    }
    return Math.min(fast.estimate(), slow.estimate());
  }

  private static final class Ewma {
    private final double alpha;
    private double value;
    private double totalWeight;

    Ewma(double halfLifeSeconds) {
      this.alpha = Math.exp(Math.log(0.5) / halfLifeSeconds);
    }

    void sample(double weight, double v) {
      double a = Math.pow(alpha, weight);
      value = v * (1 - a) + a * value;
      totalWeight += weight;
    }

    double estimate() {
      double zeroFactor = 1 - Math.pow(alpha, totalWeight);
      return zeroFactor > 0 ? value / zeroFactor : value;
    }
  }

  /**
   * hls.js's level choice: the highest rendition whose bitrate fits the estimate times 0.95
   * ({@code abrBandWidthFactor}) when it is not above the current one, times 0.7
   * ({@code abrBandWidthUpFactor}) to switch up; the lowest when none fits.
   *
   * @param bitratesAscending the renditions' bit/s (BANDWIDTH), lowest first
   * @param current index of the current rendition
   * @param speedup playback speed-up: a rendition needs {@code bitrate x speedup} of throughput
   * @return index of the rendition to load next
   */
  static int choose(long[] bitratesAscending, int current, double estimateBps, double speedup) {
    int best = 0;
    for (int i = 0; i < bitratesAscending.length; i++) {
      double factor = i > current ? 0.7 : 0.95;
      if (bitratesAscending[i] * speedup <= estimateBps * factor) {
        best = i;
      }
    }
    return best;
  }
}
