package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.internal.GraphChangeLink;
import dev.hybridcdn.schemas.internal.GraphChangeNode;
import dev.hybridcdn.topology.graph.PeerGraph;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record of the compacted graph-changes topic, typed. Keys are UTF-8 strings (compaction and
 * the global store's prefix scans work on them); values are Avro records of
 * {@code dev.hybridcdn.schemas.internal}, in the registry's single-object encoding:
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

  /** The topic key. */
  String key();

  /** The topic value; null for a tombstone. */
  SpecificRecord value();

  /** Applies the change to this instance's graph. */
  void applyTo(PeerGraph graph);

  /** A peer announced itself. */
  record NodeUpsert(GraphChangeNode node) implements GraphChangeRecord {
    public String key() {
      return NODE_PREFIX + node.getPeerId();
    }

    public SpecificRecord value() {
      return node;
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

    public SpecificRecord value() {
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

    public SpecificRecord value() {
      return link;
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

    public SpecificRecord value() {
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
   * Reads a record of the topic, checking it the way events are checked ({@link EventRules}):
   * valid ids, the key matching the value's ids, a link's RTT and samples in range.
   *
   * @param value the decoded value, null for a tombstone
   * @throws EventRules.RejectedEvent naming what is wrong
   */
  static GraphChangeRecord of(String key, SpecificRecord value) {
    if (key == null) {
      throw new EventRules.RejectedEvent("graph change without key");
    }
    if (key.startsWith(NODE_PREFIX)) {
      String id = key.substring(NODE_PREFIX.length());
      EventRules.checkPeerId(id);
      if (value == null) {
        return new NodeTombstone(id);
      }
      GraphChangeNode node = expect(GraphChangeNode.class, key, value);
      EventRules.checkNode(node.getPeerId(), node.getRegion());
      NodeUpsert upsert = new NodeUpsert(node);
      sameKey(key, upsert);
      return upsert;
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
    GraphChangeLink link = expect(GraphChangeLink.class, key, value);
    EventRules.checkLink(link.getFromId(), link.getToId(), link.getToKind(), link.getToRegion(), link.getRttMs(),
        link.getSamples());
    LinkUpsert upsert = new LinkUpsert(link);
    sameKey(key, upsert);
    return upsert;
  }

  private static <T extends SpecificRecord> T expect(Class<T> type, String key, SpecificRecord value) {
    if (!type.isInstance(value)) {
      throw new EventRules.RejectedEvent(key + " holds a " + value.getSchema().getFullName() + ", not a "
          + type.getSimpleName());
    }
    return type.cast(value);
  }

  private static void sameKey(String key, GraphChangeRecord change) {
    if (!key.equals(change.key())) {
      throw new EventRules.RejectedEvent("key " + EventRules.clip(key) + " does not match its value's ids ("
          + EventRules.clip(change.key()) + ")");
    }
  }
}
