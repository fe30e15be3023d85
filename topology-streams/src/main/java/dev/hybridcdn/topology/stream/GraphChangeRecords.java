package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.topology.graph.PeerGraph;
import io.vertx.core.json.JsonObject;

/**
 * Records of the compacted graph-changes topic (key and value are UTF-8 strings):
 * <ul>
 *   <li>{@code node/<peerId>} -> {@code {"kind":"PEER","region":"eu-west","ts":<epoch ms>}} from a
 *       PeerJoined; a tombstone (null) when the peer left or expired;</li>
 *   <li>{@code link/<fromId>/<toId>} -> {@code {"toKind":"PEER|EDGE","toRegion":"eu-west"|null,
 *       "rttMs":12.5,"samples":8,"ts":<epoch ms>}}, the latest measurement in that direction; a
 *       tombstone when it went stale (TTL) or an end left.</li>
 * </ul>
 * Ids never contain {@code /} ({@code [A-Za-z0-9._-]}), so the keys split unambiguously.
 */
public final class GraphChangeRecords {
  public static final String NODE_PREFIX = "node/";
  public static final String LINK_PREFIX = "link/";

  private GraphChangeRecords() {}

  public static String nodeKey(String id) {
    return NODE_PREFIX + id;
  }

  public static String linkKey(String from, String to) {
    return LINK_PREFIX + from + "/" + to;
  }

  /** Prefix of the keys of every link measured by {@code from}. */
  public static String linksFromPrefix(String from) {
    return LINK_PREFIX + from + "/";
  }

  /** {@code [from, to]} of a link key, or null when the key is not one. */
  public static String[] linkEnds(String key) {
    if (!key.startsWith(LINK_PREFIX)) {
      return null;
    }
    String[] parts = key.substring(LINK_PREFIX.length()).split("/", -1);
    return parts.length == 2 ? parts : null;
  }

  public static String nodeValue(PeerJoined joined) {
    return new JsonObject().put("kind", NodeKind.PEER.name()).put("region", joined.getRegion())
        .put("ts", joined.getTs()).encode();
  }

  public static String linkValue(LinkMeasured link) {
    return new JsonObject().put("toKind", link.getToKind().name()).put("toRegion", link.getToRegion())
        .put("rttMs", link.getRttMs()).put("samples", link.getSamples()).put("ts", link.getTs()).encode();
  }

  /**
   * Applies one change record to the graph.
   *
   * @param value the JSON value, or null for a tombstone
   * @throws IllegalArgumentException when the key or value is not a graph change
   */
  public static void apply(PeerGraph graph, String key, String value) {
    if (key == null) {
      throw new IllegalArgumentException("graph change without key");
    }
    if (key.startsWith(NODE_PREFIX)) {
      String id = key.substring(NODE_PREFIX.length());
      if (value == null) {
        graph.removeNode(id);
      } else {
        JsonObject json = new JsonObject(value);
        graph.upsertNode(id, NodeKind.valueOf(json.getString("kind", NodeKind.PEER.name())),
            json.getString("region"), true);
      }
      return;
    }
    String[] ends = linkEnds(key);
    if (ends == null) {
      throw new IllegalArgumentException("not a graph change key: " + key);
    }
    if (value == null) {
      graph.dropMeasurement(ends[0], ends[1]);
    } else {
      JsonObject json = new JsonObject(value);
      graph.measureLink(ends[0], ends[1], NodeKind.valueOf(json.getString("toKind", NodeKind.PEER.name())),
          json.getString("toRegion"), json.getDouble("rttMs"));
    }
  }
}
