package dev.hybridcdn.schemas.topics;

/**
 * Topics a Streams application owns (beside its Streams-managed changelog and repartition topics):
 * declared here with their partitions and cleanup like the shared topics of {@link CdnTopic}, and
 * named {@code <applicationId>-<suffix>} so two deployments with different application ids never
 * share one. Created at start by {@link TopicAdmin#ensureTopics(org.apache.kafka.clients.admin.Admin,
 * TopicRegistry, String, java.util.Collection, int, java.time.Duration)}.
 */
public enum AppTopic {
  /**
   * tracker-streams: peer id -> the announced peer's state, feeding the global peer directory every
   * instance ranks holders with. One partition: a global table reads all of it anyway; compacted:
   * only each peer's latest state matters (a tombstone when it leaves or expires).
   */
  TRACKER_PEER_DIRECTORY("tracker-peer-directory", 1, CdnTopic.CleanupPolicy.COMPACT),
  /**
   * topology-streams: link key -> the latest graph change of that link, feeding the global graph
   * store. One partition keeps every change in order; compacted: the latest per link is the graph.
   */
  TOPOLOGY_GRAPH_CHANGES("graph-changes", 1, CdnTopic.CleanupPolicy.COMPACT);

  private final String suffix;
  private final int partitions;
  private final CdnTopic.CleanupPolicy cleanup;

  AppTopic(String suffix, int partitions, CdnTopic.CleanupPolicy cleanup) {
    this.suffix = suffix;
    this.partitions = partitions;
    this.cleanup = cleanup;
  }

  /** Name without the application id, e.g. {@code graph-changes}. */
  public String suffix() {
    return suffix;
  }

  public int partitions() {
    return partitions;
  }

  public CdnTopic.CleanupPolicy cleanup() {
    return cleanup;
  }

  /** Full name for an application id, e.g. {@code cdn-topology-graph-changes}. */
  public String name(String applicationId) {
    return applicationId + "-" + suffix;
  }
}
