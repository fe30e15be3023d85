package dev.hybridcdn.peer.route;

import dev.hybridcdn.peer.fetch.TrackerClient.Holder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Orders a lookup's holders by the RTT-shortest path from this peer in the topology graph (seed 000,
 * 2.3.1: "get shortest path to peer"; issue 15, item 1), with the tracker's hints as tie-breakers:
 * <ol>
 *   <li>path RTT (ms, summed over the path's links, rounded to whole ms: smoothed RTTs move by
 *       fractions of a ms, which should not outrank a holder in our region); a holder the topology
 *       has no path to takes the tracker's {@code rttMs}; one with neither comes after all others;</li>
 *   <li>same region as this peer first;</li>
 *   <li>lower load (active uploads / slots) first;</li>
 *   <li>the tracker's order (the sort is stable).</li>
 * </ol>
 * Pure: no I/O, so the fetch ranks with whatever paths arrived within its bound.
 */
public final class PathRanking {
  private PathRanking() {}

  /**
   * A path from this peer to a node, as topology-streams' {@code GET /path} answers it.
   *
   * @param nodes node ids, this peer first and the target last (at least 2)
   * @param rttMs summed smoothed RTT of the path's links, ms
   */
  public record PeerPath(List<String> nodes, double rttMs) {
    public PeerPath {
      if (nodes.size() < 2) {
        throw new IllegalArgumentException("a path has at least two nodes: " + nodes);
      }
      nodes = List.copyOf(nodes);
    }

    /** Links on the path (nodes - 1). */
    public int hops() {
      return nodes.size() - 1;
    }

    /** The nodes after this peer, up to and including the target. */
    public List<String> beyondSelf() {
      return nodes.subList(1, nodes.size());
    }
  }

  /**
   * @param holders the tracker's answer, best first by its own ranking
   * @param paths holder id -> path from this peer; holders without one fall back to the tracker's RTT
   * @param ownRegion this peer's region
   * @return a new list, best first
   */
  public static List<Holder> rank(List<Holder> holders, Map<String, PeerPath> paths, String ownRegion) {
    List<Holder> out = new ArrayList<>(holders);
    out.sort(Comparator.<Holder>comparingDouble(h -> rttBucket(h, paths.get(h.peerId())))
        .thenComparing(h -> !ownRegion.equals(h.region()))
        .thenComparingDouble(Holder::load));
    return out;
  }

  /** Whole ms of the path's RTT, else the tracker's, else +infinity. */
  static double rttBucket(Holder h, PeerPath path) {
    if (path != null) {
      return Math.rint(path.rttMs());
    }
    return h.rttMs() == null ? Double.POSITIVE_INFINITY : Math.rint(h.rttMs());
  }
}
