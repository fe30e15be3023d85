package dev.hybridcdn.topology.http;

import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.topology.graph.GraphChange;
import dev.hybridcdn.topology.graph.PathResult;
import dev.hybridcdn.topology.graph.PeerGraph;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/** JSON shapes of the topology API (see the module README for examples). */
public final class GraphJson {
  private GraphJson() {}

  /** {@code peer} or {@code edge}. */
  public static String kind(NodeKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** {@code {"from","to","metric","path":[...],"hops":n,"rttMs":x}}. */
  public static JsonObject path(PathResult p) {
    return new JsonObject().put("from", p.from()).put("to", p.to()).put("metric", p.metric().wire())
        .put("path", new JsonArray(p.path())).put("hops", p.hops()).put("rttMs", p.rttMs());
  }

  /** {@code {"id","kind":"peer|edge","region"}} ({@code region} null when unknown). */
  public static JsonObject node(PeerGraph.Node n) {
    return new JsonObject().put("id", n.id()).put("kind", kind(n.kind())).put("region", n.region());
  }

  /** {@code {"from","to","rttMs"}}, {@code from < to}. */
  public static JsonObject edge(PeerGraph.Edge e) {
    return new JsonObject().put("from", e.from()).put("to", e.to()).put("rttMs", e.rttMs());
  }

  /** {@code {"nodes":[node...],"edges":[edge...],"nodeCount":n,"edgeCount":m}}. */
  public static JsonObject topology(PeerGraph.Snapshot s) {
    JsonArray nodes = new JsonArray();
    s.nodes().forEach(n -> nodes.add(node(n)));
    JsonArray edges = new JsonArray();
    s.edges().forEach(e -> edges.add(edge(e)));
    return new JsonObject().put("nodes", nodes).put("edges", edges).put("nodeCount", nodes.size())
        .put("edgeCount", edges.size());
  }

  /** {@code {"peerId","kind","region","neighbors":[{"id","kind","region","rttMs"}]}}, lowest RTT first. */
  public static JsonObject neighbors(PeerGraph.Node n, List<PeerGraph.Neighbor> neighbors) {
    JsonArray out = new JsonArray();
    for (PeerGraph.Neighbor nb : neighbors) {
      out.add(new JsonObject().put("id", nb.id()).put("kind", kind(nb.kind())).put("region", nb.region())
          .put("rttMs", nb.rttMs()));
    }
    return new JsonObject().put("peerId", n.id()).put("kind", kind(n.kind())).put("region", n.region())
        .put("neighbors", out);
  }

  /**
   * A WebSocket change message: {@code {"type":"node-upserted","id","kind","region","ts"}},
   * {@code {"type":"node-removed","id","ts"}}, {@code {"type":"link-upserted","from","to","rttMs","ts"}},
   * {@code {"type":"link-removed","from","to","ts"}}; {@code ts} is the server's epoch ms.
   */
  public static JsonObject change(GraphChange change, long nowMs) {
    JsonObject json;
    if (change instanceof GraphChange.NodeUpserted n) {
      json = new JsonObject().put("type", "node-upserted").put("id", n.id()).put("kind", kind(n.kind()))
          .put("region", n.region());
    } else if (change instanceof GraphChange.NodeRemoved n) {
      json = new JsonObject().put("type", "node-removed").put("id", n.id());
    } else if (change instanceof GraphChange.LinkUpserted l) {
      json = new JsonObject().put("type", "link-upserted").put("from", l.from()).put("to", l.to())
          .put("rttMs", l.rttMs());
    } else {
      GraphChange.LinkRemoved l = (GraphChange.LinkRemoved) change;
      json = new JsonObject().put("type", "link-removed").put("from", l.from()).put("to", l.to());
    }
    return json.put("ts", nowMs);
  }
}
