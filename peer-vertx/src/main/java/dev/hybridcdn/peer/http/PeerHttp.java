package dev.hybridcdn.peer.http;

import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.events.PeerEvents;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.Manifest;
import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.fetch.SourceFailure;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of one peer (ARCHITECTURE.md, "HTTP APIs", peer 9000+):
 * <ul>
 *   <li>{@code GET /hls/{songId}/master.m3u8}, {@code GET /hls/{songId}/{rendition}/playlist.m3u8}:
 *       fetched from the edge with the lowest RTT and served as they are; their segment URIs are
 *       absolute paths {@code /segments/...}, so the player comes back here (an absolute URL or a
 *       relative segment line from an edge is rewritten to that path).</li>
 *   <li>{@code GET /segments/{segmentId}} without {@value SegmentFetcher#PEER_REQUEST_HEADER}: a
 *       player; the full pipeline (cache, peers, edges), answered with {@code X-CDN-Source:
 *       local|peer|edge|origin}, {@code X-CDN-Peer} (holder used, own id when local),
 *       {@code X-CDN-Edge} (edge used), {@code X-CDN-Hops}, {@code X-CDN-Attempts}.</li>
 *   <li>{@code GET /segments/{segmentId}} with {@code X-CDN-Peer-Request: <requester peer id>}:
 *       another peer; cache only (404 {@code not_cached}), within the upload slots (503
 *       {@code upload_slots_full} + {@code Retry-After: 1}).</li>
 *   <li>{@code GET /ping}, {@code /status}, {@code /health}, {@code /metrics}.</li>
 * </ul>
 * Errors: 400 invalid ids, 404 unknown song/segment, 502 {@code all_sources_failed} whose
 * {@code details} name every source tried and its outcome.
 */
public final class PeerHttp {
  private static final Logger LOG = LoggerFactory.getLogger(PeerHttp.class);
  public static final String MPEGURL = "application/vnd.apple.mpegurl";
  public static final String MP2T = "video/mp2t";
  private static final String EXPOSED_HEADERS =
      "X-CDN-Source, X-CDN-Peer, X-CDN-Edge, X-CDN-Hops, X-CDN-Attempts, Content-Range, ETag";

  private final PeerConfig config;
  private final SegmentCache cache;
  private final SegmentFetcher fetcher;
  private final ManifestStore manifests;
  private final LinkTable links;
  private final UploadSlots slots;
  private final PeerEvents events;
  private final PeerMeters meters;
  private final WebClient client;
  private final Metrics metrics;
  private final Supplier<JsonObject> status;
  private final Health health;
  private final AtomicLong uploadedBytes = new AtomicLong();

  public PeerHttp(PeerConfig config, SegmentCache cache, SegmentFetcher fetcher, ManifestStore manifests,
      LinkTable links, UploadSlots slots, PeerEvents events, PeerMeters meters, WebClient client, Metrics metrics,
      Supplier<JsonObject> status, Health health) {
    this.config = config;
    this.cache = cache;
    this.fetcher = fetcher;
    this.manifests = manifests;
    this.links = links;
    this.slots = slots;
    this.events = events;
    this.meters = meters;
    this.client = client;
    this.metrics = metrics;
    this.status = status;
    this.health = health;
  }

  /** The router; body handlers are not needed (every route is a GET). */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // Browser players (hls.js) fetch from pages on other origins: allow reading every answer.
    router.route().handler(ctx -> {
      ctx.response().putHeader("Access-Control-Allow-Origin", "*")
          .putHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
      ctx.next();
    });
    router.options().handler(ctx -> ctx.response().setStatusCode(204)
        .putHeader("Access-Control-Allow-Methods", "GET, OPTIONS")
        .putHeader("Access-Control-Allow-Headers", "Range").putHeader("Access-Control-Max-Age", "86400").end());
    router.get("/hls/:songId/master.m3u8").handler(this::masterPlaylist);
    router.get("/hls/:songId/:rendition/playlist.m3u8").handler(this::mediaPlaylist);
    router.get("/segments/*").handler(this::segment);
    router.get("/ping").handler(this::ping);
    router.get("/status").handler(ctx -> json(ctx, status.get()));
    router.get("/health").handler(health::handle);
    router.get("/metrics").handler(metrics::handle);
    router.route().failureHandler(ApiError.failureHandler());
    router.route().last().handler(ctx -> ctx.fail(404));
    return router;
  }

  /** Bytes uploaded to other peers since start. */
  public long uploadedBytes() {
    return uploadedBytes.get();
  }

  private void ping(RoutingContext ctx) {
    json(ctx, new JsonObject().put("id", config.peerId()).put("kind", "peer").put("region", config.region())
        .put("ts", System.currentTimeMillis()));
  }

  private void masterPlaylist(RoutingContext ctx) {
    String songId = ctx.pathParam("songId");
    if (!Ids.isSongId(songId)) {
      throw ApiError.badRequest("invalid_song_id", "song id must match " + Ids.SONG_ID.pattern());
    }
    playlist(ctx, "/hls/" + songId + "/master.m3u8", songId, null);
  }

  private void mediaPlaylist(RoutingContext ctx) {
    String songId = ctx.pathParam("songId");
    String rendition = ctx.pathParam("rendition");
    if (!Ids.isSongId(songId)) {
      throw ApiError.badRequest("invalid_song_id", "song id must match " + Ids.SONG_ID.pattern());
    }
    if (!Ids.isRendition(rendition)) {
      throw ApiError.badRequest("invalid_rendition", "rendition must match " + Ids.RENDITION.pattern());
    }
    playlist(ctx, "/hls/" + songId + "/" + rendition + "/playlist.m3u8", songId, rendition);
  }

  private void playlist(RoutingContext ctx, String path, String songId, String rendition) {
    List<Link> edges = links.edgesByRtt();
    List<String> tried = new ArrayList<>();
    playlistFrom(edges, 0, path, tried).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", MPEGURL).putHeader("Cache-Control", "no-cache")
            .end(rewrite(ar.result(), songId, rendition));
      } else if (ar.cause() instanceof SourceFailure f && f.notFound()) {
        new ApiError(404, rendition == null ? "unknown_song" : "unknown_rendition",
            "no playlist " + path, f.tried()).send(ctx);
      } else {
        new ApiError(502, "all_sources_failed", "no edge answered " + path, tried).send(ctx);
      }
    });
  }

  private Future<String> playlistFrom(List<Link> edges, int i, String path, List<String> tried) {
    if (i >= edges.size()) {
      return Future.failedFuture(new SourceFailure("no edge answered " + path, tried, false));
    }
    Link edge = edges.get(i);
    long bound = config.edgeTimeout().toMillis();
    return Http.get(client, edge.url() + path, bound, null, null).transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200 && ar.result().body() != null) {
        return Future.succeededFuture(ar.result().bodyAsString());
      }
      String outcome = ar.succeeded() ? String.valueOf(ar.result().statusCode()) : Http.reason(ar.cause(), bound);
      tried.add("edge " + edge.id() + " (" + edge.url() + "): " + outcome);
      if (ar.succeeded() && ar.result().statusCode() == 404) {
        return Future.failedFuture(new SourceFailure("not found: " + path, tried, true));
      }
      return playlistFrom(edges, i + 1, path, tried);
    });
  }

  /**
   * Makes every segment URI of a playlist an absolute path on this peer: {@code http://edge/segments/x}
   * becomes {@code /segments/x}; a bare segment file name in a media playlist becomes
   * {@code /segments/<songId>/<rendition>/<file>}. Tags, comments and relative playlist URIs stay.
   */
  static String rewrite(String playlist, String songId, String rendition) {
    StringBuilder out = new StringBuilder(playlist.length() + 64);
    for (String line : playlist.split("\r?\n", -1)) {
      String l = line;
      if (!l.isEmpty() && !l.startsWith("#")) {
        int at = l.indexOf("/segments/");
        if ((l.startsWith("http://") || l.startsWith("https://")) && at >= 0) {
          l = l.substring(at);
        } else if (rendition != null && !l.startsWith("/") && !l.contains("://") && !l.endsWith(".m3u8")) {
          l = "/segments/" + songId + "/" + rendition + "/" + l;
        }
      }
      out.append(l).append('\n');
    }
    out.setLength(Math.max(0, out.length() - 1));
    return out.toString();
  }

  private void segment(RoutingContext ctx) {
    long startNs = System.nanoTime();
    String raw = ctx.request().path().substring("/segments/".length());
    Optional<Ids.SegmentId> parsed = Ids.SegmentId.parse(raw);
    if (parsed.isEmpty()) {
      throw ApiError.badRequest("invalid_segment_id", "segment id must be <songId>/<rendition>/<file>, e.g. "
          + "demo/128k/seg00003.ts");
    }
    String requester = ctx.request().getHeader(SegmentFetcher.PEER_REQUEST_HEADER);
    if (requester != null) {
      upload(ctx, parsed.get().toString(), requester);
    } else {
      player(ctx, parsed.get(), startNs);
    }
  }

  /** Another peer asks: cache only, within the upload slots. */
  private void upload(RoutingContext ctx, String segmentId, String requester) {
    if (!Ids.isNodeId(requester)) {
      throw ApiError.badRequest("invalid_peer_id", SegmentFetcher.PEER_REQUEST_HEADER + " must be a peer id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    CachedSegment seg = cache.get(segmentId);
    if (seg == null) {
      throw ApiError.notFound("not_cached", "peer " + config.peerId() + " does not hold " + segmentId);
    }
    Optional<UploadSlots.Grant> grant = slots.tryAcquire(requester, System.currentTimeMillis());
    if (grant.isEmpty()) {
      meters.rejected();
      ctx.response().putHeader("Retry-After", "1");
      new ApiError(503, "upload_slots_full", "all " + slots.capacity() + " upload slots of " + config.peerId()
          + " are busy or " + requester + " is choked; ask another holder").send(ctx);
      return;
    }
    ctx.response().putHeader("Content-Type", MP2T).putHeader("ETag", "\"" + seg.sha256() + "\"")
        .putHeader("X-CDN-Peer", config.peerId());
    sendBytes(ctx, seg, ByteRange.parse(ctx.request().getHeader("Range"), seg.size())).onComplete(ar -> {
      slots.release(grant.get());
      if (ar.succeeded()) {
        meters.uploaded();
        uploadedBytes.addAndGet(ar.result());
      }
    });
  }

  /** A player asks: cache, then peers, then edges. */
  private void player(RoutingContext ctx, Ids.SegmentId id, long startNs) {
    String segmentId = id.toString();
    CachedSegment hit = cache.get(segmentId);
    if (hit != null) {
      answer(ctx, id, hit, Tier.LOCAL, config.peerId(), 0, 1, startNs);
      if (config.readAhead() > 0) {
        manifests.get(id.songId(), edgeUrls(), config.edgeTimeout().toMillis())
            .onSuccess(m -> readAhead(m, segmentId));
      }
      return;
    }
    manifests.get(id.songId(), edgeUrls(), config.edgeTimeout().toMillis()).compose(m -> {
      Manifest.SegmentInfo info = m.segment(segmentId);
      if (info == null) {
        return Future.failedFuture(ApiError.notFound("unknown_segment", "song " + id.songId()
            + " has no segment " + segmentId));
      }
      return fetcher.fetch(info).onSuccess(f -> readAhead(m, segmentId));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        SegmentFetcher.Fetched f = ar.result();
        answer(ctx, id, f.segment(), f.tier(), f.sourceId(), f.hops(), f.attempts(), startNs);
      } else if (ar.cause() instanceof ApiError e) {
        e.send(ctx);
      } else if (ar.cause() instanceof SourceFailure f && f.notFound()) {
        new ApiError(404, "unknown_song", "no song " + id.songId(), f.tried()).send(ctx);
      } else if (ar.cause() instanceof SourceFailure f) {
        LOG.warn("{}: every source of {} failed: {}", config.peerId(), segmentId, f.tried());
        new ApiError(502, "all_sources_failed", f.getMessage(), f.tried()).send(ctx);
      } else {
        LOG.error("{}: fetching {} failed", config.peerId(), segmentId, ar.cause());
        new ApiError(500, "internal_error", "internal error: " + ar.cause().getClass().getSimpleName()).send(ctx);
      }
    });
  }

  private void answer(RoutingContext ctx, Ids.SegmentId id, CachedSegment seg, Tier tier, String sourceId,
      int hops, int attempts, long startNs) {
    var resp = ctx.response().putHeader("Content-Type", MP2T).putHeader("ETag", "\"" + seg.sha256() + "\"")
        .putHeader("X-CDN-Source", tier.name().toLowerCase(Locale.ROOT))
        .putHeader("X-CDN-Hops", String.valueOf(hops)).putHeader("X-CDN-Attempts", String.valueOf(attempts));
    if (tier == Tier.LOCAL || tier == Tier.PEER) {
      resp.putHeader("X-CDN-Peer", sourceId);
    } else {
      resp.putHeader("X-CDN-Edge", sourceId);
    }
    ByteRange.Parsed range = ByteRange.parse(ctx.request().getHeader("Range"), seg.size());
    sendBytes(ctx, seg, range);
    long sent = range instanceof ByteRange.Partial p ? p.range().length()
        : range instanceof ByteRange.Full ? seg.size() : -1;
    if (sent >= 0) {
      meters.delivered(tier, sent);
      events.delivered(requestId(), id.toString(), id.songId(), id.rendition(), tier, sourceId,
          sent, (System.nanoTime() - startNs) / 1000, hops, attempts);
    }
  }

  /**
   * A random (version 4) UUID for SegmentDelivered.requestId, from {@link ThreadLocalRandom}:
   * {@link UUID#randomUUID()} draws on a shared SecureRandom, a needless cost per player request
   * for an id that only has to be unique, not unguessable.
   */
  private static String requestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /**
   * Sends the segment, or the one byte range asked for ({@code Range: bytes=a-b}, {@code a-},
   * {@code -n}: 206 with {@code Content-Range}); an unsatisfiable range gets 416; several ranges
   * or a malformed header get the whole segment (RFC 9110 allows ignoring Range).
   *
   * @return bytes written
   */
  private Future<Long> sendBytes(RoutingContext ctx, CachedSegment seg, ByteRange.Parsed range) {
    var resp = ctx.response().putHeader("Accept-Ranges", "bytes");
    int len = seg.size();
    if (range instanceof ByteRange.Unsatisfiable) {
      resp.putHeader("Content-Range", "bytes */" + len);
      new ApiError(416, "range_not_satisfiable", "segment has " + len + " bytes").send(ctx);
      return Future.succeededFuture(0L);
    }
    if (range instanceof ByteRange.Partial p) {
      ByteRange r = p.range();
      resp.setStatusCode(206).putHeader("Content-Range", r.contentRange(len));
      return resp.end(seg.bytes().slice((int) r.start(), (int) r.end() + 1)).map(r.length());
    }
    return resp.end(seg.bytes()).map((long) len);
  }

  /** Fetches the next k segments of the rendition in the background, within the download limit. */
  private void readAhead(Manifest m, String segmentId) {
    for (Manifest.SegmentInfo next : m.following(segmentId, config.readAhead())) {
      if (fetcher.inFlight() >= config.maxDownloads()) {
        return;
      }
      if (!cache.contains(next.segmentId()) && !fetcher.isFetching(next.segmentId())) {
        fetcher.fetch(next).onFailure(e -> LOG.debug("{}: read-ahead of {} failed: {}", config.peerId(),
            next.segmentId(), e.getMessage()));
      }
    }
  }

  private List<String> edgeUrls() {
    return links.edgesByRtt().stream().map(Link::url).toList();
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}
