package dev.hybridcdn.servicekit.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The one shape of a request-latency meter in hybrid-cdn: a Micrometer {@link Timer} exported to
 * Prometheus as a histogram with fixed buckets ({@code <name>_seconds_bucket{le=...}}), so Grafana
 * can add the buckets of every instance and take quantiles of the sum
 * ({@code histogram_quantile(0.95, sum by (le) (rate(..._bucket[5m])))}), which client-side
 * percentiles cannot. The buckets span a local cache hit (1 ms) to a player's patience (10 s);
 * eleven fixed ones instead of Micrometer's ~70 percentile buckets keep a host of many peers cheap
 * to scrape.
 */
public final class LatencyHistogram {
  /** Bucket bounds: 1, 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5 and 10 s. */
  static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(10)};

  private LatencyHistogram() {}

  /**
   * Registers (or finds) the timer {@code name} with {@code tags} (key, value pairs).
   *
   * @throws IllegalArgumentException when {@code tags} has an odd length
   */
  public static Timer register(MeterRegistry registry, String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS)
        .register(registry);
  }
}
