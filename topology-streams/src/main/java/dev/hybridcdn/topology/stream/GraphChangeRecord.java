package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.internal.GraphChangeLink;
import dev.hybridcdn.schemas.internal.GraphChangeNode;
import dev.hybridcdn.schemas.internal.InternalRecords;
import dev.hybridcdn.topology.graph.PeerGraph;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One record of the compacted graph-changes topic, typed. Keys are UTF-8 strings (compaction and
 * the global store's prefix scans work on them); values are Avro records of
 * {@code dev.hybridcdn.schemas.internal} in single-object encoding ({@link InternalRecords#serde}),
 * the key saying which:
 * <ul>
 *   <li>{@code node/<peerId>} -> {@link GraphChangeNode} (from a PeerJoined), a tombstone when the
 *       peer left or expired;</li>
 *   <li>{@code link/<fromId>/<toId>} -> {@link GraphChangeLink}, the latest RTT measured in that
 *       direction, a tombstone when it went stale (TTL) or an end left.</li>
 * </ul>
 * Ids never contain {@code /} ({@code [A-Za-z0-9._-]}), so the keys split unambiguously.
 */
public sealed interface GraphChangeRecord {
  String NODE_PREFIX = "node/";
  String LINK_PREFIX = "link/";
  /** Values of {@code node/} keys. */
  Serde<GraphChangeNode> NODE_VALUES = InternalRecords.serde(GraphChangeNode.class);
  /** Values of {@code link/} keys. */
  Serde<GraphChangeLink> LINK_VALUES = InternalRecords.serde(GraphChangeLink.class);
  /** The graph-changes sink's value serializer: each change encodes itself, a tombstone as null. */
  Serializer<GraphChangeRecord> SERIALIZER = (topic, change) -> change == null ? null : change.encode(topic);

  /** The topic key. */
  String key();

  /** The topic value; null for a tombstone. */
  byte[] encode(String topic);

  /** Applies the change to this instance's graph. */
  void applyTo(PeerGraph graph);

  /** A peer announced itself. */
  record NodeUpsert(GraphChangeNode node) implements GraphChangeRecord {
    public String key() {
      return NODE_PREFIX + node.getPeerId();
    }

    public byte[] encode(String topic) {
      return NODE_VALUES.serializer().serialize(topic, node);
    }

    public void applyTo(PeerGraph graph) {
      graph.upsertNode(node.getPeerId(), node.getKind(), node.getRegion(), true);
    }
  }

  /** A peer left or expired: the node goes (its links have tombstones of their own). */
  record NodeTombstone(String peerId) implements GraphChangeRecord {
    public String key() {
      return NODE_PREFIX + peerId;
    }

    public byte[] encode(String topic) {
      return null;
    }

    public void applyTo(PeerGraph graph) {
      graph.removeNode(peerId);
    }
  }

  /** {@code fromId} measured {@code toId}. */
  record LinkUpsert(GraphChangeLink link) implements GraphChangeRecord {
    public String key() {
      return linkKey(link.getFromId(), link.getToId());
    }

    public byte[] encode(String topic) {
      return LINK_VALUES.serializer().serialize(topic, link);
    }

    public void applyTo(PeerGraph graph) {
      graph.measureLink(link.getFromId(), link.getToId(), link.getToKind(), link.getToRegion(), link.getRttMs());
    }
  }

  /** The measurement {@code fromId} -> {@code toId} is gone. */
  record LinkTombstone(String fromId, String toId) implements GraphChangeRecord {
    public String key() {
      return linkKey(fromId, toId);
    }

    public byte[] encode(String topic) {
      return null;
    }

    public void applyTo(PeerGraph graph) {
      graph.dropMeasurement(fromId, toId);
    }
  }

  static String linkKey(String from, String to) {
    return LINK_PREFIX + from + "/" + to;
  }

  /** Prefix of the keys of every link measured by {@code from}. */
  static String linksFromPrefix(String from) {
    return LINK_PREFIX + from + "/";
  }

  /** {@code [from, to]} of a link key, or null when the key is not one. */
  static String[] linkEnds(String key) {
    if (!key.startsWith(LINK_PREFIX)) {
      return null;
    }
    String[] parts = key.substring(LINK_PREFIX.length()).split("/", -1);
    return parts.length == 2 ? parts : null;
  }

  /**
   * Reads a record of the topic: the key says which record the value must be, and the change is
   * checked the way events are ({@link EventRules}): valid ids, the key matching the value's ids,
   * a link's RTT and samples in range.
   *
   * @param value the raw value, null for a tombstone
   * @throws org.apache.kafka.common.errors.SerializationException when the value is not that record
   * @throws EventRules.RejectedEvent naming any other problem
   */
  static GraphChangeRecord decode(String topic, String key, byte[] value) {
    if (key == null) {
      throw new EventRules.RejectedEvent("graph change without key");
    }
    if (key.startsWith(NODE_PREFIX)) {
      String id = key.substring(NODE_PREFIX.length());
      EventRules.checkPeerId(id);
      if (value == null) {
        return new NodeTombstone(id);
      }
      GraphChangeNode node = NODE_VALUES.deserializer().deserialize(topic, value);
      EventRules.checkNode(node.getPeerId(), node.getRegion());
      return sameKey(key, new NodeUpsert(node));
    }
    String[] ends = linkEnds(key);
    if (ends == null) {
      throw new EventRules.RejectedEvent("not a graph change key: " + EventRules.clip(key));
    }
    if (value == null) {
      EventRules.checkPeerId(ends[0]);
      EventRules.checkPeerId(ends[1]);
      return new LinkTombstone(ends[0], ends[1]);
    }
    GraphChangeLink link = LINK_VALUES.deserializer().deserialize(topic, value);
    EventRules.checkLink(link.getFromId(), link.getToId(), link.getToKind(), link.getToRegion(), link.getRttMs(),
        link.getSamples());
    return sameKey(key, new LinkUpsert(link));
  }

  private static GraphChangeRecord sameKey(String key, GraphChangeRecord change) {
    if (!key.equals(change.key())) {
      throw new EventRules.RejectedEvent("key " + EventRules.clip(key) + " does not match its value's ids ("
          + EventRules.clip(change.key()) + ")");
    }
    return change;
  }
}
