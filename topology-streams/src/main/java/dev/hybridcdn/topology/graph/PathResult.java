package dev.hybridcdn.topology.graph;

import java.util.List;

/**
 * The answer to a path query.
 *
 * @param path node ids from {@code from} to {@code to}, both included; {@code [from]} when they are equal
 * @param hops links on the path ({@code path.size() - 1})
 * @param rttMs estimated RTT of the path in ms: the sum of the links' RTTs (each link's RTT is the
 *     mean of the smoothed RTTs measured in either direction)
 */
public record PathResult(String from, String to, PathMetric metric, List<String> path, int hops, double rttMs) {
  public PathResult {
    path = List.copyOf(path);
  }
}
