package dev.hybridcdn.topology.graph;

import java.util.List;
import java.util.Optional;
import org.jgrapht.Graph;
import org.jgrapht.GraphPath;
import org.jgrapht.alg.shortestpath.BidirectionalDijkstraShortestPath;
import org.jgrapht.graph.AsUnweightedGraph;

/**
 * Path queries over {@link PeerGraph}'s JGraphT graph, both answered by JGraphT 1.5.2's
 * {@link BidirectionalDijkstraShortestPath} (a search from each end that stops when the two
 * frontiers prove the shortest path):
 * <ul>
 *   <li>{@link PathMetric#RTT} on the graph itself, each link weighted by its RTT in ms;</li>
 *   <li>{@link PathMetric#HOPS} on an {@link AsUnweightedGraph} view (every link weighs 1), where
 *       Dijkstra's order is breadth-first order: the fewest links.</li>
 * </ul>
 * JGraphT's single-source {@code BFSShortestPath} is not used for hops: it builds the whole search
 * tree per query (p50 12 to 35 ms on 10,000 nodes, degree 8), while the bidirectional search
 * touches a few hundred nodes (p50 about 0.3 ms; README, "Path algorithms and their cost").
 * Not thread-safe on its own: callers hold {@link PeerGraph}'s read lock.
 */
final class PathQueries {
  private final Graph<String, Link> byRtt;
  private final Graph<String, Link> byHops;

  PathQueries(Graph<String, Link> graph) {
    this.byRtt = graph;
    this.byHops = new AsUnweightedGraph<>(graph);
  }

  /**
   * The best path between two distinct nodes of the graph, with its hops and summed link RTT (ms).
   *
   * @return empty when no chain of links joins them
   */
  Optional<PathResult> path(String from, String to, PathMetric metric) {
    Graph<String, Link> graph = metric == PathMetric.HOPS ? byHops : byRtt;
    GraphPath<String, Link> found = new BidirectionalDijkstraShortestPath<>(graph).getPath(from, to);
    if (found == null) {
      return Optional.empty();
    }
    List<String> path = found.getVertexList();
    double rtt = 0;
    for (Link link : found.getEdgeList()) {
      rtt += link.rtt();
    }
    return Optional.of(new PathResult(from, to, metric, path, path.size() - 1, rtt));
  }
}
