package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holder lookups at the tracker: {@code GET {TRACKER_URL}/segments/{segmentId}/peers?region=<own>
 * &exclude=<own id>&limit=5} answering {@code {"segmentId","holders":[{"peerId","baseUrl","region",
 * "rttMs","load"}]}} best first (README, "HTTP shapes"). A 404, a tracker that is down or slow, or
 * a malformed answer all mean "no holders": the peer goes on to the edge. Never fails.
 */
public final class TrackerClient {
  private static final Logger LOG = LoggerFactory.getLogger(TrackerClient.class);
  /** Holders asked for per lookup. */
  public static final int LIMIT = 5;

  /**
   * A peer that holds the segment.
   *
   * @param rttMs the tracker's RTT estimate in ms, or null
   * @param load active uploads / upload slots, 0..1
   */
  public record Holder(String peerId, String baseUrl, String region, Double rttMs, double load) {}

  private final WebClient client;
  private final String trackerUrl;

  public TrackerClient(WebClient client, String trackerUrl) {
    this.client = client;
    this.trackerUrl = trackerUrl;
  }

  /**
   * @param timeoutMs bound of the lookup, ms
   * @return holders best first (never the requester), empty when none or the tracker failed
   */
  public Future<List<Holder>> lookup(String segmentId, String region, String requesterId, long timeoutMs) {
    return lookup(segmentId, region, requesterId, List.of(), timeoutMs);
  }

  /**
   * @param alsoExclude peers not to offer besides the requester (e.g. penalised ones); the
   *     requester goes first in {@code exclude}, as the tracker ranks by its RTTs
   */
  public Future<List<Holder>> lookup(String segmentId, String region, String requesterId, List<String> alsoExclude,
      long timeoutMs) {
    StringBuilder exclude = new StringBuilder(requesterId);
    for (String id : alsoExclude) {
      exclude.append(',').append(id);
    }
    String url = trackerUrl + CdnPaths.segment(segmentId) + "/peers?region=" + enc(region) + "&exclude="
        + enc(exclude.toString()) + "&limit=" + LIMIT;
    return Http.get(client, url, timeoutMs, null, null).transform(ar -> {
      if (ar.failed()) {
        LOG.debug("tracker lookup of {} failed: {}", segmentId, ar.cause().toString());
        return Future.succeededFuture(List.of());
      }
      if (ar.result().statusCode() != 200) {
        return Future.succeededFuture(List.of());
      }
      try {
        return Future.succeededFuture(parse(ar.result().bodyAsJsonObject(), requesterId));
      } catch (RuntimeException e) {
        LOG.warn("tracker answered a malformed lookup for {}: {}", segmentId, e.toString());
        return Future.succeededFuture(List.of());
      }
    });
  }

  /** The holders of a lookup answer; entries with invalid ids or URLs are skipped. */
  static List<Holder> parse(JsonObject body, String requesterId) {
    JsonArray holders = body.getJsonArray("holders", new JsonArray());
    List<Holder> out = new ArrayList<>();
    for (int i = 0; i < holders.size(); i++) {
      JsonObject h = holders.getJsonObject(i);
      String id = h.getString("peerId");
      String url = h.getString("baseUrl");
      if (!Ids.isNodeId(id) || id.equals(requesterId) || url == null || !url.matches("https?://[^/\\s]+/?")) {
        continue;
      }
      Number rtt = h.getNumber("rttMs");
      Number load = h.getNumber("load");
      out.add(new Holder(id, url.endsWith("/") ? url.substring(0, url.length() - 1) : url, h.getString("region"),
          rtt == null ? null : rtt.doubleValue(), load == null ? 0 : load.doubleValue()));
    }
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
