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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holder lookups at the tracker: {@code GET {tracker}/segments/{segmentId}/peers?region=<own>
 * &exclude=<own id>&limit=5} answering {@code {"segmentId","holders":[{"peerId","baseUrl","region",
 * "rttMs","load"}]}} best first (README, "HTTP shapes"). A 404 or a malformed answer means "no
 * holders", as does every tracker instance failing: the peer goes on to the edge. A {@code 404 being_fetched}
 * says, besides, that another peer is fetching the segment from an edge ({@link Lookup#beingFetched}).
 * Never fails.
 *
 * <p>Failover over the instances of {@code TRACKER_URLS} (one tracker application; any instance
 * answers any lookup, forwarding to the owner of the key): lookups stick to the instance that
 * answered last; one that fails (refused connection, timeout, 5xx) is passed over for
 * {@code TRACKER_RETRY_MS} and the lookup moves on to the next instance within its own time bound,
 * so a dead instance costs at most one lookup's bound per {@code TRACKER_RETRY_MS}. When every
 * instance is passed over, they are tried anyway, the one that failed longest ago first.
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
  private final List<String> trackerUrls;
  private final long retryMs;
  private final HolderCheck check;
  /** Per instance: until when it is passed over (epoch ms; 0 = usable). */
  private final long[] failedUntil;
  private int current;

  /**
   * @param trackerUrls instances of the tracker, in order of preference; at least one
   * @param retryMs how long a failed instance is passed over, ms
   */
  public TrackerClient(WebClient client, List<String> trackerUrls, long retryMs) {
    this(client, trackerUrls, retryMs, HolderCheck.ANY);
  }

  /** Whether a holder of a lookup answer may be fetched from (issue 16: only admitted peers' URLs). */
  public interface HolderCheck {
    /** @param token the holder's admission token from the answer, or null */
    boolean admitted(String peerId, String baseUrl, String token);

    HolderCheck ANY = (peerId, baseUrl, token) -> true;
  }

  /** @param check holders it refuses are dropped from every answer (never fetched from nor probed) */
  public TrackerClient(WebClient client, List<String> trackerUrls, long retryMs, HolderCheck check) {
    this.check = check;
    if (trackerUrls.isEmpty()) {
      throw new IllegalArgumentException("no tracker URL");
    }
    this.client = client;
    this.trackerUrls = List.copyOf(trackerUrls);
    this.retryMs = retryMs;
    this.failedUntil = new long[trackerUrls.size()];
  }

  /** The instance lookups go to now (the one that answered last). */
  public synchronized String currentUrl() {
    return trackerUrls.get(current);
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
    return lookup(segmentId, region, requesterId, alsoExclude, timeoutMs, false).map(Lookup::holders);
  }

  /**
   * A lookup's answer.
   *
   * @param holders best first, never the requester; empty when none or the tracker failed
   * @param beingFetched no peer holds the segment and another peer is fetching it from an edge (the
   *     tracker's {@code 404 being_fetched}): its copy may be waited for
   */
  public record Lookup(List<Holder> holders, boolean beingFetched) {
    static final Lookup NONE = new Lookup(List.of(), false);
  }

  /**
   * {@link #lookup(String, String, String, List, long)}, telling whether another peer is fetching a segment
   * no peer holds.
   *
   * @param claim the requester goes to the edges when no peer holds the segment: the tracker records it
   *     as fetching it ({@code claim=true}), unless another peer's claim stands
   */
  public Future<Lookup> lookup(String segmentId, String region, String requesterId, List<String> alsoExclude,
      long timeoutMs, boolean claim) {
    StringBuilder exclude = new StringBuilder(requesterId);
    for (String id : alsoExclude) {
      exclude.append(',').append(id);
    }
    String query = CdnPaths.segment(segmentId) + "/peers?region=" + enc(region) + "&exclude="
        + enc(exclude.toString()) + "&limit=" + LIMIT + (claim ? "&claim=true" : "");
    long deadline = System.currentTimeMillis() + timeoutMs;
    return ask(query, segmentId, body -> new Lookup(parse(body, requesterId, check), false),
        body -> body != null && "being_fetched".equals(body.getString("error"))
            ? new Lookup(List.of(), true) : Lookup.NONE,
        Lookup.NONE, order(System.currentTimeMillis()), 0, deadline, timeoutMs);
  }

  /**
   * How many holders each segment of a song has: {@code GET {tracker}/songs/{songId}/availability}
   * answering {@code {"songId","segments":{segmentId: holders}}} (read-ahead's rarest first). Same
   * failover as lookups; never fails.
   *
   * @param timeoutMs bound, ms
   * @return segment id -> holders; a segment absent has none; empty when the tracker failed
   */
  public Future<Map<String, Integer>> availability(String songId, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return ask("/songs/" + enc(songId) + "/availability", songId, TrackerClient::parseAvailability, null, Map.of(),
        order(System.currentTimeMillis()), 0, deadline, timeoutMs);
  }

  /**
   * A song the swarm holds much of ({@code GET /songs/popular}).
   *
   * @param holders live holdings of its segments, summed
   * @param renditions rendition -> live holdings of its segments
   */
  public record PopularSong(String songId, int holders, Map<String, Integer> renditions) {}

  /**
   * The songs with the most live holdings, most first: {@code GET {tracker}/songs/popular?limit=N}. Same
   * failover as lookups; never fails.
   *
   * @param limit songs wanted, 1 to 200
   * @param timeoutMs bound, ms
   * @return at most {@code limit} songs; empty when the tracker failed
   */
  public Future<List<PopularSong>> popular(int limit, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return ask("/songs/popular?limit=" + limit, "popular songs", TrackerClient::parsePopular, null, List.of(),
        order(System.currentTimeMillis()), 0, deadline, timeoutMs);
  }

  /** The songs of a popular-songs answer; entries with an invalid song id or rendition are skipped. */
  static List<PopularSong> parsePopular(JsonObject body) {
    List<PopularSong> out = new ArrayList<>();
    for (Object o : body.getJsonArray("songs", new JsonArray())) {
      if (!(o instanceof JsonObject song) || !Ids.isSongId(song.getString("songId"))) {
        continue;
      }
      Map<String, Integer> renditions = new HashMap<>();
      song.getJsonObject("renditions", new JsonObject()).forEach(e -> {
        if (Ids.isRendition(e.getKey()) && e.getValue() instanceof Number n) {
          renditions.put(e.getKey(), n.intValue());
        }
      });
      out.add(new PopularSong(song.getString("songId"), song.getInteger("holders", 0), renditions));
    }
    return out;
  }

  /** The counts of an availability answer; entries that are not whole numbers are skipped. */
  static Map<String, Integer> parseAvailability(JsonObject body) {
    Map<String, Integer> out = new HashMap<>();
    body.getJsonObject("segments", new JsonObject()).forEach(e -> {
      if (e.getValue() instanceof Number n) {
        out.put(e.getKey(), n.intValue());
      }
    });
    return out;
  }

  /** @param notFound reads a 404's body (the error envelope), or null: a 404 is {@code none} */
  private <T> Future<T> ask(String query, String what, Function<JsonObject, T> parse, Function<JsonObject, T> notFound,
      T none, int[] order, int i, long deadline, long timeoutMs) {
    long left = deadline - System.currentTimeMillis();
    if (i >= order.length || left <= 0) {
      return Future.succeededFuture(none);
    }
    int instance = order[i];
    String base = trackerUrls.get(instance);
    return Http.get(client, base + query, left, null, null).transform(ar -> {
      if (ar.failed() || ar.result().statusCode() >= 500) {
        String why = ar.failed() ? Http.reason(ar.cause(), left) : String.valueOf(ar.result().statusCode());
        // A timeout within the scraps of a lookup another instance used up is not held against it.
        boolean fair = ar.succeeded() || left * 2 >= timeoutMs || !why.startsWith("timeout");
        if (fair) {
          failed(instance, why);
        }
        return ask(query, what, parse, notFound, none, order, i + 1, deadline, timeoutMs);
      }
      answered(instance);
      int status = ar.result().statusCode();
      if (status != 200 && (status != 404 || notFound == null)) {
        return Future.succeededFuture(none);
      }
      try {
        return Future.succeededFuture((status == 200 ? parse : notFound).apply(ar.result().bodyAsJsonObject()));
      } catch (RuntimeException e) {
        LOG.warn("tracker {} answered a malformed query for {}: {}", base, what, e.toString());
        return Future.succeededFuture(none);
      }
    });
  }

  /** Instances to try, in order: the current one, the others after it; passed-over ones last. */
  private synchronized int[] order(long nowMs) {
    int n = trackerUrls.size();
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) {
      order[k] = (current + k) % n;
    }
    Arrays.sort(order, Comparator.comparingLong(k -> failedUntil[k] > nowMs ? failedUntil[k] : 0));
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  private synchronized void failed(int instance, String why) {
    boolean wasCurrent = instance == current;
    failedUntil[instance] = System.currentTimeMillis() + retryMs;
    if (wasCurrent && trackerUrls.size() > 1) {
      current = (instance + 1) % trackerUrls.size();
      LOG.warn("tracker {} failed ({}); lookups go to {}; retried after {} ms", trackerUrls.get(instance), why,
          trackerUrls.get(current), retryMs);
    } else {
      LOG.debug("tracker {} failed: {}", trackerUrls.get(instance), why);
    }
  }

  private synchronized void answered(int instance) {
    failedUntil[instance] = 0;
    current = instance;
  }

  /** The holders of a lookup answer; entries with invalid ids or URLs are skipped. */
  static List<Holder> parse(JsonObject body, String requesterId) {
    return parse(body, requesterId, HolderCheck.ANY);
  }

  /** As {@link #parse(JsonObject, String)}, keeping only holders {@code check} admits. */
  static List<Holder> parse(JsonObject body, String requesterId, HolderCheck check) {
    JsonArray holders = body.getJsonArray("holders", new JsonArray());
    List<Holder> out = new ArrayList<>();
    for (int i = 0; i < holders.size(); i++) {
      JsonObject h = holders.getJsonObject(i);
      String id = h.getString("peerId");
      String url = h.getString("baseUrl");
      if (!Ids.isNodeId(id) || id.equals(requesterId) || url == null || !url.matches("https?://[^/\\s]+/?")
          || !check.admitted(id, url, h.getString("token"))) {
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
