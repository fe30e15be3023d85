package dev.hybridcdn.schemas.topics;

import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.HolderReported;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import java.time.Duration;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every topic of hybrid-cdn (ARCHITECTURE.md, "Topics"): name suffix, what the key is, which
 * record types it carries, partitions, cleanup policy and retention. Names get a configurable
 * prefix through {@link TopicRegistry}; no module writes a topic name as a literal.
 *
 * <p>Keys are UTF-8 strings on every topic. Topics keyed by peer id share one partition count so
 * Streams apps can co-partition them.
 */
public enum CdnTopic {
  CATALOG("catalog", "song id", 3, CleanupPolicy.COMPACT, Duration.ofDays(-1),
      Set.of(SongPublished.class, SongRetired.class)),
  PEER_EVENTS("peer-events", "peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE, Duration.ofDays(7),
      Set.of(PeerJoined.class, PeerHeartbeat.class, PeerLeft.class)),
  SEGMENT_EVENTS("segment-events", "peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE, Duration.ofDays(7),
      Set.of(SegmentCached.class, SegmentEvicted.class)),
  LINK_EVENTS("link-events", "from-peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE, Duration.ofDays(7),
      Set.of(LinkMeasured.class)),
  PEER_EXPIRATIONS("peer-expirations", "peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE, Duration.ofDays(7),
      Set.of(PeerExpired.class)),
  /** The replayable delivery history: long retention. */
  DELIVERY_EVENTS("delivery-events", "requesting peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE,
      Duration.ofDays(365), Set.of(SegmentDelivered.class)),
  EDGE_EVENTS("edge-events", "edge id", 3, CleanupPolicy.DELETE, Duration.ofDays(30),
      Set.of(EdgeServed.class)),
  /**
   * Reports of holders that failed a peer (bad bytes, timeout, refused), keyed by the holder's id so the
   * tracker task owning the holder counts them (issue 16).
   */
  HOLDER_REPORTS("holder-reports", "reported holder's peer id", CdnTopic.PEER_PARTITIONS, CleanupPolicy.DELETE,
      Duration.ofDays(7), Set.of(HolderReported.class)),
  /** Records that could not be decoded or processed; headers name their source (see DeadLetters). */
  DEAD_LETTERS("dead-letters", "as received", 1, CleanupPolicy.DELETE, Duration.ofDays(30), Set.of());

  /** Partitions of every topic keyed by peer id (co-partitioned for joins in Streams apps). */
  public static final int PEER_PARTITIONS = 6;

  /** Kafka's {@code cleanup.policy}. */
  public enum CleanupPolicy {
    DELETE("delete"), COMPACT("compact");
    public final String config;

    CleanupPolicy(String config) {
      this.config = config;
    }
  }

  private final String suffix;
  private final String key;
  private final int partitions;
  private final CleanupPolicy cleanup;
  private final Duration retention;
  private final Set<Class<? extends SpecificRecord>> recordTypes;

  CdnTopic(String suffix, String key, int partitions, CleanupPolicy cleanup, Duration retention,
      Set<Class<? extends SpecificRecord>> recordTypes) {
    this.suffix = suffix;
    this.key = key;
    this.partitions = partitions;
    this.cleanup = cleanup;
    this.retention = retention;
    this.recordTypes = recordTypes;
  }

  /** Name without the prefix, e.g. {@code peer-events}. */
  public String suffix() {
    return suffix;
  }

  /** What the (string) key holds, e.g. "peer id". */
  public String key() {
    return key;
  }

  public int partitions() {
    return partitions;
  }

  public CleanupPolicy cleanup() {
    return cleanup;
  }

  /** Retention; negative means unlimited (compacted topics). */
  public Duration retention() {
    return retention;
  }

  /** Record types this topic carries; consumers dispatch on the decoded type. Empty: raw bytes. */
  public Set<Class<? extends SpecificRecord>> recordTypes() {
    return recordTypes;
  }

  /** True when this topic may carry {@code event}'s type. */
  public boolean carries(SpecificRecord event) {
    return recordTypes.contains(event.getClass());
  }
}
