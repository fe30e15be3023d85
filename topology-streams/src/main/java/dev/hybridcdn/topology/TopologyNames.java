package dev.hybridcdn.topology;

/**
 * Every name the topology Streams app gives: processors, sources, sinks and stores. Registry topics ({@code cdn.link-events} etc.) come from {@link dev.hybridcdn.schemas.topics.TopicRegistry}
 * and the app-owned graph-changes topic from {@link dev.hybridcdn.schemas.topics.AppTopic}; nothing
 * else in this module spells a name.
 */
public final class TopologyNames {
  /** Source node reading {@code link-events}, {@code peer-events} and {@code peer-expirations}. */
  public static final String EVENT_SOURCE = "topology-event-source";
  /** Validates events, turns them into graph changes, expires stale links. */
  public static final String EVENT_PROCESSOR = "topology-event-processor";
  /**
   * Partitioned store, link key -> last refresh (record timestamp, epoch ms) of the links whose
   * measuring peer this task owns; changelogged. Drives the link TTL.
   */
  public static final String LINK_TTL_STORE = "topology-link-ttl-store";
  /**
   * Partitioned store, {@code nodeId|topic} -> last {@code session:sequence} of its signed events
   * (streams-kit {@code SequenceGuard}); changelogged. A replay is not after it.
   */
  public static final String EVENT_SEQUENCES = "topology-event-sequences";
  /** Sink writing graph changes to the graph-changes topic. */
  public static final String GRAPH_CHANGES_SINK = "topology-graph-changes-sink";
  /** Source node of the global graph store. */
  public static final String GRAPH_SOURCE = "topology-graph-source";
  /** Global processor keeping the global store and the in-memory graph in step. */
  public static final String GRAPH_UPDATER = "topology-graph-updater";
  /** Global store: change key -> change value as on the topic (Avro single-object bytes); every instance holds all of it. */
  public static final String GRAPH_STORE = "topology-graph-store";
  private TopologyNames() {}
}
