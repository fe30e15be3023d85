package dev.hybridcdn.topology.graph;

import java.util.Locale;
import java.util.Optional;

/** What a path query minimises: the number of links ({@code hops}) or the summed link RTT ({@code rtt}). */
public enum PathMetric {
  /** Fewest links; breadth-first search. Ties between equally short paths are broken arbitrarily. */
  HOPS,
  /** Lowest estimated RTT, the sum of the links' smoothed RTTs in ms; Dijkstra's algorithm. */
  RTT;

  /** The query-string spelling, {@code hops} or {@code rtt}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code hops} or {@code rtt} (exact, lower case); empty for anything else. */
  public static Optional<PathMetric> parse(String s) {
    if ("hops".equals(s)) {
      return Optional.of(HOPS);
    }
    if ("rtt".equals(s)) {
      return Optional.of(RTT);
    }
    return Optional.empty();
  }
}
