package dev.hybridcdn.ops.report;

import org.HdrHistogram.Histogram;

/**
 * Latency percentiles of one group of requests, in milliseconds.
 *
 * <p>Computed from an HdrHistogram (3 significant digits, so each percentile is within 0.1% of
 * the recorded value), the recording method of Gil Tene's HdrHistogram library.
 *
 * @param count requests in the group
 * @param meanMs arithmetic mean, ms
 * @param p50Ms median, ms
 * @param p95Ms 95th percentile, ms
 * @param p99Ms 99th percentile, ms
 * @param maxMs largest value, ms
 */
public record LatencyStats(long count, double meanMs, double p50Ms, double p95Ms, double p99Ms, double maxMs) {
  /** Highest latency a histogram tracks: one hour, in microseconds; larger values are clamped. */
  public static final long MAX_MICROS = 3_600_000_000L;

  /** A histogram of microsecond latencies suitable for {@link #of(Histogram)}. */
  public static Histogram newHistogram() {
    return new Histogram(MAX_MICROS, 3);
  }

  /** Records one latency, clamping it to [0, {@link #MAX_MICROS}]. */
  public static void record(Histogram histogram, long micros) {
    histogram.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
  }

  /** Percentiles of a histogram of microseconds, converted to milliseconds. */
  public static LatencyStats of(Histogram h) {
    if (h.getTotalCount() == 0) {
      return new LatencyStats(0, 0, 0, 0, 0, 0);
    }
    return new LatencyStats(h.getTotalCount(), ms(h.getMean()), ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(95)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
  }

  private static double ms(double micros) {
    return Math.round(micros / 10.0) / 100.0; // two decimals of a millisecond
  }
}
