package dev.hybridcdn.topology.graph;

import dev.hybridcdn.schemas.events.NodeKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.Objects;
import org.jgrapht.Graph;
import org.jgrapht.graph.builder.GraphTypeBuilder;
import org.slf4j.LoggerFactory;

/**
 * The overlay graph of one topology instance, in memory: peers and edges as nodes, measured RTTs
 * as undirected links. Every instance holds the whole graph (fed from the global graph store), so
 * any instance answers any path query locally.
 *
 * <p>A link between {@code a} and {@code b} exists while at least one direction is measured
 * ({@code a} measured {@code b}, or {@code b} measured {@code a}; edges never measure, so links to
 * edges have one direction). Its RTT is the mean of the measured directions' smoothed RTTs (each
 * an exponential moving average, alpha 0.3, computed by the measuring peer), in ms.
 *
 * <p>Nodes come from {@code PeerJoined} (announced, with region) or implicitly from links (kind
 * from {@code LinkMeasured.toKind}, region from {@code toRegion}). An announced node stays until
 * it leaves or expires; an implicit node disappears with its last link.
 *
 * <p>This class keeps the graph's state (a JGraphT 1.5.2 graph plus node attributes); path
 * queries are {@link PathQueries}' (JGraphT's algorithms). Thread-safe: queries share a read lock,
 * updates (from the Streams global thread) take the write lock; listeners are called after the
 * lock is released, on the updating thread.
 */
public final class PeerGraph {
  /** A node. {@code region} null when not known yet; {@code announced} when a PeerJoined named it. */
  public record Node(String id, NodeKind kind, String region, boolean announced) {}

  /** An undirected link, {@code from < to} lexicographically, RTT in ms. */
  public record Edge(String from, String to, double rttMs) {}

  /** A neighbour of a node and the RTT (ms) of the link to it. */
  public record Neighbor(String id, NodeKind kind, String region, double rttMs) {}

  /** Every node (sorted by id) and every link (sorted by from, to). */
  public record Snapshot(List<Node> nodes, List<Edge> edges) {}

  private final Graph<String, Link> graph = GraphTypeBuilder.<String, Link>undirected()
      .allowingMultipleEdges(false).allowingSelfLoops(false).weighted(true).buildGraph();
  private final Map<String, Node> nodes = new HashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<Consumer<GraphChange>> listeners = new CopyOnWriteArrayList<>();
  private final PathQueries paths = new PathQueries(graph);

  /** Registers a listener of visible changes; called on the updating thread, must not block. */
  public void addListener(Consumer<GraphChange> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<GraphChange> listener) {
    listeners.remove(listener);
  }

  /**
   * Adds or updates a node. A null {@code region} keeps a known region; {@code announced} is sticky.
   */
  public void upsertNode(String id, NodeKind kind, String region, boolean announced) {
    List<GraphChange> changes = new ArrayList<>(1);
    lock.writeLock().lock();
    try {
      upsertNodeLocked(id, kind, region, announced, changes);
    } finally {
      lock.writeLock().unlock();
    }
    publish(changes);
  }

  /** Removes a node and every link touching it (PeerLeft, PeerExpired). No-op when unknown. */
  public void removeNode(String id) {
    List<GraphChange> changes = new ArrayList<>();
    lock.writeLock().lock();
    try {
      if (!nodes.containsKey(id)) {
        return;
      }
      List<Link> links = new ArrayList<>(graph.edgesOf(id));
      for (Link link : links) {
        graph.removeEdge(link);
        changes.add(new GraphChange.LinkRemoved(link.a, link.b));
      }
      graph.removeVertex(id);
      nodes.remove(id);
      changes.add(new GraphChange.NodeRemoved(id));
      for (Link link : links) {
        dropIfOrphan(link.other(id), changes);
      }
    } finally {
      lock.writeLock().unlock();
    }
    publish(changes);
  }

  /**
   * Records the RTT {@code from} measured to {@code to}, creating both nodes when unknown.
   *
   * @param toKind kind of the target (peers only measure from themselves, so {@code from} is a peer)
   * @param toRegion region of the target when known, else null
   * @param rttMs smoothed RTT in ms, finite and not negative
   * @throws IllegalArgumentException for a self-loop or an RTT that is negative or not finite
   */
  public void measureLink(String from, String to, NodeKind toKind, String toRegion, double rttMs) {
    if (from.equals(to)) {
      throw new IllegalArgumentException("self-loop " + from);
    }
    if (!Double.isFinite(rttMs) || rttMs < 0) {
      throw new IllegalArgumentException("rttMs must be finite and >= 0: " + rttMs);
    }
    List<GraphChange> changes = new ArrayList<>(3);
    lock.writeLock().lock();
    try {
      Node known = nodes.get(from);
      upsertNodeLocked(from, known == null ? NodeKind.PEER : known.kind(), null, false, changes);
      upsertNodeLocked(to, toKind, toRegion, false, changes);
      Link link = graph.getEdge(from, to);
      boolean created = link == null;
      if (created) {
        link = Link.between(from, to);
        graph.addEdge(link.a, link.b, link);
      }
      double before = created ? Double.NaN : link.rtt();
      link.set(from, rttMs);
      double after = link.rtt();
      graph.setEdgeWeight(link, after);
      if (created || Double.compare(before, after) != 0) {
        changes.add(new GraphChange.LinkUpserted(link.a, link.b, after));
      }
    } finally {
      lock.writeLock().unlock();
    }
    publish(changes);
  }

  /**
   * Forgets the RTT {@code from} measured to {@code to} (TTL, leave). The link goes when no
   * direction is left; a node known only through links goes with its last link.
   */
  public void dropMeasurement(String from, String to) {
    List<GraphChange> changes = new ArrayList<>(3);
    lock.writeLock().lock();
    try {
      if (!nodes.containsKey(from) || !nodes.containsKey(to)) {
        return;
      }
      Link link = graph.getEdge(from, to);
      if (link == null) {
        return;
      }
      link.set(from, Double.NaN);
      if (link.measured()) {
        graph.setEdgeWeight(link, link.rtt());
        changes.add(new GraphChange.LinkUpserted(link.a, link.b, link.rtt()));
      } else {
        graph.removeEdge(link);
        changes.add(new GraphChange.LinkRemoved(link.a, link.b));
        dropIfOrphan(from, changes);
        dropIfOrphan(to, changes);
      }
    } finally {
      lock.writeLock().unlock();
    }
    publish(changes);
  }

  /** Empties the graph without notifying listeners (used before reloading from the store). */
  public void clear() {
    lock.writeLock().lock();
    try {
      new ArrayList<>(graph.vertexSet()).forEach(graph::removeVertex);
      nodes.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * The best path between two nodes.
   *
   * @return empty when both nodes exist but no path joins them (different components)
   * @throws UnknownNodeException when {@code from} or {@code to} is not in the graph ({@code from} checked first)
   */
  public Optional<PathResult> path(String from, String to, PathMetric metric) {
    return path(from, to, metric, false);
  }

  /**
   * The best path between two nodes, with {@code peersOnly} through peers only: every node strictly
   * between the ends is a peer (issue 15: a relay path, since only peers relay; an edge on it could
   * not forward the segment). The ends may be of any kind.
   *
   * @return empty when both nodes exist but no such path joins them
   * @throws UnknownNodeException when {@code from} or {@code to} is not in the graph ({@code from} checked first)
   */
  public Optional<PathResult> path(String from, String to, PathMetric metric, boolean peersOnly) {
    lock.readLock().lock();
    try {
      if (!nodes.containsKey(from)) {
        throw new UnknownNodeException(from);
      }
      if (!nodes.containsKey(to)) {
        throw new UnknownNodeException(to);
      }
      if (from.equals(to)) {
        return Optional.of(new PathResult(from, to, metric, List.of(from), 0, 0.0));
      }
      return paths.path(from, to, metric, peersOnly ? id -> nodes.get(id) != null && nodes.get(id).kind() == NodeKind.PEER : null);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The node, or empty. */
  public Optional<Node> node(String id) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(nodes.get(id));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Neighbours of a node, lowest RTT first (then by id).
   *
   * @throws UnknownNodeException when the node is not in the graph
   */
  public List<Neighbor> neighbors(String id) {
    lock.readLock().lock();
    try {
      if (!nodes.containsKey(id)) {
        throw new UnknownNodeException(id);
      }
      List<Neighbor> out = new ArrayList<>();
      for (Link link : graph.edgesOf(id)) {
        Node other = nodes.get(link.other(id));
        out.add(new Neighbor(other.id(), other.kind(), other.region(), link.rtt()));
      }
      out.sort(Comparator.comparingDouble(Neighbor::rttMs).thenComparing(Neighbor::id));
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A consistent copy of the whole graph. */
  public Snapshot snapshot() {
    lock.readLock().lock();
    try {
      List<Node> ns = new ArrayList<>(nodes.values());
      ns.sort(Comparator.comparing(Node::id));
      List<Edge> es = new ArrayList<>(graph.edgeSet().size());
      for (Link link : graph.edgeSet()) {
        es.add(new Edge(link.a, link.b, link.rtt()));
      }
      es.sort(Comparator.comparing(Edge::from).thenComparing(Edge::to));
      return new Snapshot(ns, es);
    } finally {
      lock.readLock().unlock();
    }
  }

  public int nodeCount() {
    lock.readLock().lock();
    try {
      return nodes.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Undirected links. */
  public int linkCount() {
    lock.readLock().lock();
    try {
      return graph.edgeSet().size();
    } finally {
      lock.readLock().unlock();
    }
  }

  private void upsertNodeLocked(String id, NodeKind kind, String region, boolean announced,
      List<GraphChange> changes) {
    Node before = nodes.get(id);
    Node after = before == null
        ? new Node(id, kind, region, announced)
        : new Node(id, kind, region != null ? region : before.region(), announced || before.announced());
    if (before == null) {
      graph.addVertex(id);
    }
    if (!after.equals(before)) {
      nodes.put(id, after);
      if (before == null || before.kind() != after.kind() || !Objects.equals(before.region(), after.region())) {
        changes.add(new GraphChange.NodeUpserted(id, after.kind(), after.region()));
      }
    }
  }

  private void dropIfOrphan(String id, List<GraphChange> changes) {
    Node node = nodes.get(id);
    if (node != null && !node.announced() && graph.degreeOf(id) == 0) {
      graph.removeVertex(id);
      nodes.remove(id);
      changes.add(new GraphChange.NodeRemoved(id));
    }
  }

  private void publish(List<GraphChange> changes) {
    for (GraphChange change : changes) {
      for (Consumer<GraphChange> listener : listeners) {
        try {
          listener.accept(change);
        } catch (RuntimeException e) {
          LoggerFactory.getLogger(PeerGraph.class).warn("graph listener failed: {}", e.toString());
        }
      }
    }
  }
}
