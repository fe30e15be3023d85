package dev.hybridcdn.peer.fetch.multisource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jgrapht.alg.flow.EdmondsKarpMFImpl;
import org.jgrapht.alg.interfaces.MaximumFlowAlgorithm;
import org.jgrapht.graph.DefaultWeightedEdge;
import org.jgrapht.graph.SimpleDirectedWeightedGraph;

/**
 * Which source sends which chunk of a segment, as a maximum-flow problem (seed 001: chunks assigned
 * to providers by Ford-Fulkerson / Edmonds-Karp): source -> each holder (capacity: the chunks it can
 * send within a makespan T at its measured throughput) -> each chunk it has (capacity 1) -> sink
 * (capacity 1). The smallest T whose maximum flow carries every chunk is found by binary search over
 * the finish times a source can have ({@code k * secondsPerChunk}, k = 1..n); the flow at that T is
 * the assignment, so no source's share takes longer than T. Solved with JGraphT's {@link
 * EdmondsKarpMFImpl}.
 *
 * <p>Cost model: a source sends its chunks one after another, each taking its {@code secondsPerChunk}
 * (full-size chunk / measured bit/s, plus a request's round trip); the last, shorter chunk is costed
 * as a full one. Pure and deterministic; the brute-force check is in {@code ChunkAssignmentTest}.
 */
public final class ChunkAssignment {
  /**
   * One source a chunk can come from.
   *
   * @param id peer id or edge id
   * @param secondsPerChunk seconds it takes to send one chunk (from its measured throughput), &gt; 0
   * @param chunks the chunks it can send, or null for every one (a holder has whole segments)
   */
  public record Source(String id, double secondsPerChunk, Set<Integer> chunks) {
    public Source {
      if (!(secondsPerChunk > 0) || Double.isInfinite(secondsPerChunk)) {
        throw new IllegalArgumentException("secondsPerChunk of " + id + " must be positive: " + secondsPerChunk);
      }
    }

    boolean has(int chunk) {
      return chunks == null || chunks.contains(chunk);
    }
  }

  /**
   * An assignment.
   *
   * @param bySource chunks per source id, ascending, in the order of the sources given (sources
   *     with no chunk are absent)
   * @param makespanSeconds time the busiest source needs for its share, seconds
   * @param unassigned chunks no source has (empty when every chunk is assigned)
   */
  public record Plan(Map<String, List<Integer>> bySource, double makespanSeconds, List<Integer> unassigned) {}

  private ChunkAssignment() {}

  /**
   * The assignment of {@code chunks} to {@code sources} with the smallest makespan.
   *
   * @param chunks chunk indices to assign (distinct)
   * @param sources candidate sources (distinct ids)
   * @return the plan; chunks no source has are in {@link Plan#unassigned()}
   */
  public static Plan plan(Collection<Integer> chunks, List<Source> sources) {
    List<Integer> wanted = List.copyOf(new TreeSet<>(chunks));
    List<Integer> assignable = wanted.stream().filter(c -> sources.stream().anyMatch(s -> s.has(c))).toList();
    List<Integer> unassigned = wanted.stream().filter(c -> !assignable.contains(c)).toList();
    if (assignable.isEmpty()) {
      return new Plan(Map.of(), 0, unassigned);
    }
    int n = assignable.size();
    TreeSet<Double> candidates = new TreeSet<>();
    for (Source s : sources) {
      for (int k = 1; k <= n; k++) {
        candidates.add(k * s.secondsPerChunk());
      }
    }
    List<Double> times = new ArrayList<>(candidates);
    // The largest candidate lets every source take every chunk it has: always feasible.
    int lo = 0;
    int hi = times.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (solve(assignable, sources, times.get(mid)) != null) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    Map<String, List<Integer>> best = solve(assignable, sources, times.get(lo));
    return new Plan(best, makespan(best, sources), unassigned);
  }

  /** Time the busiest source needs for its share in {@code plan}, seconds. */
  public static double makespan(Map<String, List<Integer>> bySource, List<Source> sources) {
    double worst = 0;
    for (Source s : sources) {
      List<Integer> mine = bySource.get(s.id());
      if (mine != null) {
        worst = Math.max(worst, mine.size() * s.secondsPerChunk());
      }
    }
    return worst;
  }

  /** The max-flow assignment within makespan {@code t}, or null when some chunk cannot be carried. */
  private static Map<String, List<Integer>> solve(List<Integer> chunks, List<Source> sources, double t) {
    SimpleDirectedWeightedGraph<String, DefaultWeightedEdge> g = new SimpleDirectedWeightedGraph<>(
        DefaultWeightedEdge.class);
    String src = "source";
    String sink = "sink";
    g.addVertex(src);
    g.addVertex(sink);
    for (int c : chunks) {
      g.addVertex("c" + c);
      g.setEdgeWeight(g.addEdge("c" + c, sink), 1);
    }
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      // 1e-9: k * secondsPerChunk itself must fit despite rounding.
      long capacity = (long) Math.floor(t / s.secondsPerChunk() + 1e-9);
      if (capacity <= 0) {
        continue;
      }
      String h = "h" + i;
      g.addVertex(h);
      g.setEdgeWeight(g.addEdge(src, h), Math.min(capacity, chunks.size()));
      for (int c : chunks) {
        if (s.has(c)) {
          g.setEdgeWeight(g.addEdge(h, "c" + c), 1);
        }
      }
    }
    MaximumFlowAlgorithm.MaximumFlow<DefaultWeightedEdge> flow = new EdmondsKarpMFImpl<>(g)
        .getMaximumFlow(src, sink);
    if (Math.round(flow.getValue()) < chunks.size()) {
      return null;
    }
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < sources.size(); i++) {
      String h = "h" + i;
      if (!g.containsVertex(h)) {
        continue;
      }
      List<Integer> mine = new ArrayList<>();
      for (DefaultWeightedEdge e : g.outgoingEdgesOf(h)) {
        if (flow.getFlowMap().get(e) > 0.5) {
          mine.add(Integer.parseInt(g.getEdgeTarget(e).substring(1)));
        }
      }
      if (!mine.isEmpty()) {
        mine.sort(null);
        out.put(sources.get(i).id(), mine);
      }
    }
    return out;
  }
}
