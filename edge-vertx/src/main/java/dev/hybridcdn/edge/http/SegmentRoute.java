package dev.hybridcdn.edge.http;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.edge.cache.CachedSegment;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.edge.events.ServedEvents;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.servicekit.files.TmpfsFiles;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import dev.hybridcdn.servicekit.metrics.LatencyHistogram;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET|HEAD /segments/{segmentId}}: the segment's bytes from {@link SegmentService} with
 * {@code Content-Length}, {@code ETag} (the SHA-256 in quotes), {@code Accept-Ranges}, single
 * {@code Range} (206, 416), {@code If-None-Match} (304), {@code X-Cache}, the pathway headers
 * ({@code X-CDN-Source}, {@code X-CDN-Hops}, {@code X-CDN-Edge}, {@code X-CDN-Shield}); one EdgeServed
 * per answered request ({@link ServedEvents}). 400 {@code invalid_segment_id}, {@code invalid_peer_id},
 * {@code invalid_edge_id}; the tiers' errors as {@link SegmentService#serve} fails.
 *
 * <p>The hot path (issue 19 item 1, edge-vertx README "Hot path"): a near-cache hit is looked up by the
 * path's id string before any parsing (only ids that passed {@link Ids.SegmentId#parse} enter the near
 * cache), its bytes are the near cache's off-heap buffer handed to the socket without a copy, the
 * header names and fixed values are pre-encoded ASCII, and the event is queued, not built.
 */
final class SegmentRoute {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRoute.class);
  private static final CharSequence RANGE = HttpHeaders.createOptimized("Range");
  private static final CharSequence SEGMENT_TYPE = HttpHeaders.createOptimized(ContentTypes.SEGMENT);
  private static final CharSequence BYTES = HttpHeaders.createOptimized("bytes");
  private static final CharSequence IMMUTABLE_DAY = HttpHeaders.createOptimized("public, max-age=86400");
  private static final CharSequence CACHE = HttpHeaders.createOptimized(CdnHeaders.CACHE);
  private static final CharSequence SOURCE = HttpHeaders.createOptimized(CdnHeaders.SOURCE);
  private static final CharSequence HOPS = HttpHeaders.createOptimized(CdnHeaders.HOPS);
  private static final CharSequence EDGE = HttpHeaders.createOptimized(CdnHeaders.EDGE);
  private static final CharSequence SHIELD = HttpHeaders.createOptimized(CdnHeaders.SHIELD);
  private static final CharSequence FROM_EDGE = HttpHeaders.createOptimized("edge");
  private static final CharSequence FROM_ORIGIN = HttpHeaders.createOptimized("origin");
  private static final CharSequence[] HOP_COUNTS = {"0", "1", "2", "3"};

  private final SegmentService segments;
  private final PlayerTokens tokens;
  private final ServedEvents events;
  private final WriteTimeout writeTimeout;
  private final CharSequence edgeId;
  private final Map<EdgeResult, Counter> requests = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, Counter> bytesServed = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, Timer> latency = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, CharSequence> cacheHeader = new EnumMap<>(EdgeResult.class);

  /** @param tokens the player tokens segments need, null when they are off */
  SegmentRoute(String edgeId, SegmentService segments, PlayerTokens tokens, ServedEvents events,
      WriteTimeout writeTimeout, MeterRegistry metrics) {
    this.edgeId = HttpHeaders.createOptimized(edgeId);
    this.segments = segments;
    this.tokens = tokens;
    this.events = events;
    this.writeTimeout = writeTimeout;
    for (EdgeResult r : EdgeResult.values()) {
      String tag = r.name().toLowerCase(Locale.ROOT);
      requests.put(r, Counter.builder("cdn.edge.requests").description("segment requests answered, by tier")
          .tag("result", tag).register(metrics));
      bytesServed.put(r, Counter.builder("cdn.edge.bytes").baseUnit("bytes")
          .description("segment body bytes sent (the CDN's egress), by tier").tag("result", tag).register(metrics));
      latency.put(r, LatencyHistogram.register(metrics, "cdn.edge.request.latency",
          "a segment request, arrival to the answer handed to the socket, by tier", "result", tag));
      cacheHeader.put(r, HttpHeaders.createOptimized(r.name().replace('_', '-')));
    }
  }

  void handle(RoutingContext ctx) {
    long startNanos = System.nanoTime();
    HttpServerRequest request = ctx.request();
    String raw = request.path();
    String rawId = CdnPaths.segmentIdOf(raw);
    String requesterPeerId = request.getHeader(CdnHeaders.PEER_REQUEST);
    String shieldFor = request.getHeader(CdnHeaders.SHIELD_REQUEST);
    SegmentService.Served near = segments.nearHit(rawId);
    if (near == null) {
      Optional<Ids.SegmentId> id = Ids.SegmentId.parse(rawId);
      if (id.isEmpty()) {
        throw new ApiError(400, "invalid_segment_id", "segment id must be <songId>/<rendition>/<file>",
            List.of(raw));
      }
      checkRequesters(requesterPeerId, shieldFor);
      segments.serve(id.get(), shieldFor != null).onComplete(ar -> answer(ctx, ar, startNanos, requesterPeerId,
          shieldFor));
      return;
    }
    try {
      checkRequesters(requesterPeerId, shieldFor);
    } catch (RuntimeException e) {
      near.segment().release();
      throw e;
    }
    answer(ctx.vertx(), request, near, startNanos, requesterPeerId, shieldFor);
  }

  /**
   * The hot path without the router: answers a {@code GET} or {@code HEAD} of a segment the near cache
   * holds, when nothing in the request needs the router's handling (no {@code Range}: a 416 is an error
   * answer; a clean path; valid requester headers; a valid player token when tokens are on), with the
   * very headers the routed answer has ({@code X-Served-By}, CORS, the segment's). Anything else is left
   * to the router, which answers it as before, errors included.
   *
   * @return true when the request was answered here
   */
  boolean tryAnswer(Vertx vertx, HttpServerRequest request) {
    long startNanos = System.nanoTime();
    HttpMethod method = request.method();
    String path = request.path();
    if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || path == null
        || !path.startsWith(CdnPaths.SEGMENTS_PREFIX) || !EdgeApi.clean(path) || request.getHeader(RANGE) != null) {
      return false;
    }
    SegmentService.Served near = segments.nearHit(CdnPaths.segmentIdOf(path));
    if (near == null) {
      return false;
    }
    String requesterPeerId = request.getHeader(CdnHeaders.PEER_REQUEST);
    String shieldFor = request.getHeader(CdnHeaders.SHIELD_REQUEST);
    if ((requesterPeerId != null && !Ids.isNodeId(requesterPeerId)) || (shieldFor != null && !Ids.isNodeId(shieldFor))
        || (tokens != null && tokens.check(request.getParam(PlayerTokens.PARAM), path) != PlayerTokens.Verdict.OK)) {
      near.segment().release(); // the router looks it up again
      return false;
    }
    EdgeApi.commonHeaders(request.response(), edgeId);
    answer(vertx, request, near, startNanos, requesterPeerId, shieldFor);
    return true;
  }

  private static void checkRequesters(String requesterPeerId, String shieldFor) {
    if (requesterPeerId != null && !Ids.isNodeId(requesterPeerId)) {
      throw ApiError.badRequest("invalid_peer_id", CdnHeaders.PEER_REQUEST + " must be a peer id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    if (shieldFor != null && !Ids.isNodeId(shieldFor)) {
      throw ApiError.badRequest("invalid_edge_id", CdnHeaders.SHIELD_REQUEST + " must be an edge id ("
          + Ids.NODE_ID.pattern() + ")");
    }
  }

  private void answer(RoutingContext ctx, AsyncResult<SegmentService.Served> ar, long startNanos,
      String requesterPeerId, String shieldFor) {
    if (ar.failed()) {
      ctx.fail(ar.cause());
      return;
    }
    answer(ctx.vertx(), ctx.request(), ar.result(), startNanos, requesterPeerId, shieldFor);
  }

  private void answer(Vertx vertx, HttpServerRequest request, SegmentService.Served served, long startNanos,
      String requesterPeerId, String shieldFor) {
    long bytes = send(vertx, request, served);
    EdgeResult result = served.result();
    requests.get(result).increment();
    bytesServed.get(result).increment(bytes);
    long nanos = System.nanoTime() - startNanos;
    latency.get(result).record(nanos, TimeUnit.NANOSECONDS);
    events.offer(new ServedEvents.Served(served.segment().segmentId(), result, bytes, nanos / 1000,
        System.currentTimeMillis(), requesterPeerId, shieldFor, served.shieldId()));
  }

  /**
   * Writes the segment (whole, ranged or 304); returns body bytes sent. Gives back the caller's
   * reference to its near-cache file ({@link CachedSegment#release}); a file still being sent holds one
   * of its own ({@link #body}).
   */
  private long send(Vertx vertx, HttpServerRequest request, SegmentService.Served served) {
    try {
      return answerWith(vertx, request, served);
    } finally {
      served.segment().release();
    }
  }

  private long answerWith(Vertx vertx, HttpServerRequest request, SegmentService.Served served) {
    CachedSegment segment = served.segment();
    String etag = "\"" + segment.sha256() + "\"";
    // A player on the edge's pathway reads where its bytes came from, as it does from a peer.
    // Through a shield the bytes took one hop more: edge, shield, (origin).
    boolean miss = served.result() == EdgeResult.MISS;
    int hops = (miss ? 2 : 1) + (served.shieldId() == null ? 0 : 1);
    HttpServerResponse response = request.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, SEGMENT_TYPE)
        .putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, BYTES)
        .putHeader(HttpHeaders.CACHE_CONTROL, IMMUTABLE_DAY)
        .putHeader(CACHE, cacheHeader.get(served.result()))
        .putHeader(SOURCE, miss ? FROM_ORIGIN : FROM_EDGE)
        .putHeader(HOPS, HOP_COUNTS[hops])
        .putHeader(EDGE, edgeId);
    if (served.shieldId() != null) {
      response.putHeader(SHIELD, served.shieldId());
    }
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.strip().equals("*"))) {
      response.setStatusCode(304).end();
      return 0;
    }
    int length = segment.size();
    String rangeHeader = request.getHeader(RANGE);
    if (rangeHeader != null) {
      ByteRange.Parsed range = ByteRange.parse(rangeHeader, length);
      if (range instanceof ByteRange.Partial partial) {
        ByteRange r = partial.range();
        response.setStatusCode(206).putHeader(HttpHeaders.CONTENT_RANGE, r.contentRange(length));
        return body(vertx, request, segment, r.start(), r.end() - r.start() + 1);
      }
      if (range instanceof ByteRange.Unsatisfiable) {
        response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + length)
            .putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.JSON);
        response.setStatusCode(416).end(new ApiError(416, "range_not_satisfiable",
            "the segment has " + length + " bytes").toJson().toBuffer());
        return 0;
      }
    }
    return body(vertx, request, segment, 0, length);
  }

  /**
   * Sends {@code count} bytes of the segment from {@code start}: a near-cache file by {@code sendfile(2)},
   * else the kept buffer itself (Vert.x writes a slice of it, its own indices: the bytes are not copied).
   * HEAD: the same headers, Content-Length included, and no body.
   */
  private long body(Vertx vertx, HttpServerRequest request, CachedSegment segment, long start, long count) {
    if (request.method() == HttpMethod.HEAD) {
      request.response().putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(count)).end();
      return 0;
    }
    TmpfsFiles.SharedFile file = segment.file();
    if (file != null) {
      file.retain(); // this send's own reference (the caller holds one, so the file is there), given back below
      // HTTP/2 (h2c, or TLS with ALPN): Vert.x sends a file only by its path there; held, it is still there.
      Future<Void> sent = request.version() == HttpVersion.HTTP_2
          ? writeTimeout.sendFile(vertx, request, file.path().toString(), start, count)
          : writeTimeout.sendFile(vertx, request, file.channel(), start, count);
      sent.onComplete(ar -> {
        file.release();
        if (ar.failed() && !request.response().headWritten()) {
          // the channel is held open for this answer, so this is a bug, not a race with eviction
          LOG.error("near-cache file of {} could not be sent: {}", segment.segmentId(), ar.cause().toString());
          request.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.JSON)
              .end(new ApiError(500, "internal_error", "the edge could not read its copy of the segment")
                  .toJson().toBuffer());
        }
      });
      return count;
    }
    Buffer bytes = segment.bytes();
    writeTimeout.end(vertx, request, start == 0 && count == bytes.length() ? bytes
        : bytes.slice((int) start, (int) (start + count)));
    return count;
  }
}
