package dev.hybridcdn.tracker.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON shapes of the tracker API besides the lookup ({@link LookupJson}): the per-partition
 * parts one instance answers on the internal routes, their merge, and the one way a 200 is sent.
 */
final class TrackerJson {
  static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private TrackerJson() {}

  /** 200 with an encoded JSON body. */
  static void send(RoutingContext ctx, String body) {
    ctx.response().setStatusCode(200).putHeader(CONTENT_TYPE, JSON).end(body);
  }

  /** 200 with a UTF-8 JSON body. */
  static void send(RoutingContext ctx, Buffer body) {
    ctx.response().setStatusCode(200).putHeader(CONTENT_TYPE, JSON).end(body);
  }

  static void send(RoutingContext ctx, JsonObject body) {
    send(ctx, body.encode());
  }

  /** {@code {"partitions":{"<p>": part}}}, one entry per partition with a part. */
  static JsonObject partitions(Map<Integer, JsonObject> parts) {
    JsonObject out = new JsonObject();
    parts.forEach((p, part) -> out.put(Integer.toString(p), part));
    return new JsonObject().put("partitions", out);
  }

  /** {@code {"peers":[...], "count": n}} from every partition's {@code {"peers":[...]}}, by peer id. */
  static JsonObject mergePeers(List<JsonObject> parts) {
    List<JsonObject> all = new ArrayList<>();
    parts.forEach(p -> p.getJsonArray("peers").forEach(o -> all.add((JsonObject) o)));
    all.sort(Comparator.comparing(o -> o.getString("peerId")));
    return new JsonObject().put("peers", new JsonArray(new ArrayList<>(all))).put("count", all.size());
  }

  /** Segment id -> holders summed over every partition's {@code {"counts":{segmentId: n}}}. */
  static Map<String, Integer> mergeCounts(List<JsonObject> parts) {
    Map<String, Integer> counts = new TreeMap<>();
    parts.forEach(p -> p.getJsonObject("counts").forEach(e -> counts.merge(e.getKey(),
        ((Number) e.getValue()).intValue(), Integer::sum)));
    return counts;
  }
}
