package dev.hybridcdn.edge.http;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.cache.CachedSegment;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.edge.origin.OriginDocuments;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.PathParams;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.ErrorHeaders;
import dev.hybridcdn.servicekit.http.PlayerCors;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.token.PlayerTokenGuard;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import dev.hybridcdn.servicekit.metrics.LatencyHistogram;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's HTTP API, the origin's read API (ARCHITECTURE.md "HTTP APIs", README "HTTP shapes"):
 * <ul>
 *   <li>{@code GET /songs}, {@code GET /songs/{songId}}: from the origin, cached ({@link OriginDocuments});</li>
 *   <li>{@code GET /hls/{songId}/master.m3u8}, {@code GET /hls/{songId}/{rendition}/playlist.m3u8}:
 *       the origin's playlists unchanged;</li>
 *   <li>{@code GET /segments/{segmentId}}: bytes ({@code video/mp2t}) with {@code Content-Length},
 *       {@code ETag} (the SHA-256 in quotes), {@code Accept-Ranges}, single {@code Range},
 *       {@code If-None-Match}, {@code X-Cache: HIT-MEMORY|HIT-DB|MISS}, {@code X-Served-By}, and for a
 *       player on the edge's pathway {@code X-CDN-Source: edge|origin}, {@code X-CDN-Hops: 1|2}
 *       (one more through a shield), {@code X-CDN-Edge}, and {@code X-CDN-Shield: <edge id>} when this
 *       edge's shield answered its miss ({@code X-Cache} is then the shield's); one EdgeServed event
 *       per answered segment request, saying whether a peer ({@code X-CDN-Peer-Request: <peer id>},
 *       400 {@code invalid_peer_id} when malformed), another edge asking this one as its shield
 *       ({@code X-CDN-Shield-Request: <edge id>}, 400 {@code invalid_edge_id}) or a player asked;</li>
 *   <li>{@code GET /ping} ({@code {"edgeId","region","ts"}}), {@code /health}, {@code /metrics}.</li>
 * </ul>
 * Every answer carries {@code X-Served-By: <edge id>} and CORS headers for browser players
 * ({@link PlayerCors}; {@code OPTIONS} preflights are answered). Ids are validated with {@link Ids} before
 * anything else; a path with dot segments or percent-encoding is refused (400) before routing.
 * Errors use the {@link ApiError} envelope, are never cacheable ({@code Cache-Control: no-store} on
 * every answer of status 400 or more, whatever route or failure made it) and a 503 or 504 says when
 * to retry ({@code Retry-After}, the origin probe interval in seconds).
 *
 * <p>Documents (song list, manifests, playlists) carry {@code X-Cache: MISS|HIT|STALE}, the
 * {@link OriginDocuments#cacheControl()} of RFC 5861 and, when kept, {@code Age} in seconds. A
 * response the client does not take within {@code EDGE_WRITE_TIMEOUT_MS} closes its connection.
 */
public final class EdgeApi {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeApi.class);

  private final EdgeConfig config;
  private final SegmentService segments;
  private final OriginDocuments documents;
  private final EventPublisher events;
  private volatile NodeIdentity signer;
  private final Metrics metrics;
  private final Health health;
  private final Map<EdgeResult, Counter> requests = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, Counter> bytesServed = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, Timer> latency = new EnumMap<>(EdgeResult.class);
  private final Map<EdgeResult, String> cacheHeader = new EnumMap<>(EdgeResult.class);
  private final long retryAfterSeconds;
  private final WriteTimeout writeTimeout;

  /**
   * @param retryAfterSeconds the {@code Retry-After} of 503 and 504 answers, seconds
   */
  public EdgeApi(EdgeConfig config, SegmentService segments, OriginDocuments documents, long retryAfterSeconds,
      EventPublisher events, Metrics metrics, Health health) {
    this.config = config;
    this.retryAfterSeconds = retryAfterSeconds;
    Counter slowReaders = Counter.builder("cdn.edge.slow.readers")
        .description("connections closed because a response was not taken within EDGE_WRITE_TIMEOUT_MS")
        .register(metrics.registry());
    this.writeTimeout = new WriteTimeout(config.writeTimeout().toMillis(), slowReaders::increment);
    this.segments = segments;
    this.documents = documents;
    this.events = events;
    this.metrics = metrics;
    this.health = health;
    for (EdgeResult r : EdgeResult.values()) {
      requests.put(r, Counter.builder("cdn.edge.requests").description("segment requests answered, by tier")
          .tag("result", r.name().toLowerCase(Locale.ROOT)).register(metrics.registry()));
      bytesServed.put(r, Counter.builder("cdn.edge.bytes").baseUnit("bytes")
          .description("segment body bytes sent (the CDN's egress), by tier")
          .tag("result", r.name().toLowerCase(Locale.ROOT)).register(metrics.registry()));
      latency.put(r, LatencyHistogram.register(metrics.registry(), "cdn.edge.request.latency",
          "a segment request, arrival to the answer handed to the socket, by tier", "result",
          r.name().toLowerCase(Locale.ROOT)));
      cacheHeader.put(r, r.name().replace('_', '-'));
    }
  }

  /** A router with every route; one per HTTP server instance. */
  public Router router(Vertx vertx) {
    Router router = ServiceRouter.create(vertx, health, metrics);
    router.route().order(-1).handler(this::guard);
    PlayerTokenGuard.install(router, config.playerTokens(), "/hls/*", CdnPaths.SEGMENTS_ROUTE);
    router.get(CdnPaths.SONGS).handler(ctx -> document(ctx, CdnPaths.SONGS));
    router.get(CdnPaths.SONG_ROUTE).handler(this::manifest);
    router.get(CdnPaths.MASTER_ROUTE).handler(this::masterPlaylist);
    router.get(CdnPaths.MEDIA_PLAYLIST_ROUTE).handler(this::mediaPlaylist);
    router.route(CdnPaths.SEGMENTS_ROUTE).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::segment);
    router.get(CdnPaths.PING).handler(this::ping);
    return router;
  }

  // Runs before routing sees a normalised path: "/segments/../x" must be a 400, not a 404 elsewhere.
  private void guard(RoutingContext ctx) {
    ctx.response().putHeader(CdnHeaders.SERVED_BY, config.edgeId());
    ErrorHeaders.install(ctx, retryAfterSeconds);
    if (PlayerCors.apply(ctx, CdnHeaders.EXPOSED_TO_PLAYERS)) {
      return;
    }
    String raw = ctx.request().path();
    if (raw == null || raw.contains("..") || raw.contains("%") || raw.contains("//") || raw.contains("\\")) {
      throw ApiError.badRequest("invalid_path", "paths may not contain '..', '//', '\\' or percent-encoding");
    }
    ctx.next();
  }

  private void manifest(RoutingContext ctx) {
    document(ctx, CdnPaths.song(PathParams.songId(ctx)));
  }

  private void masterPlaylist(RoutingContext ctx) {
    playlist(ctx, CdnPaths.master(PathParams.songId(ctx)));
  }

  private void mediaPlaylist(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    String rendition = PathParams.rendition(ctx);
    playlist(ctx, CdnPaths.mediaPlaylist(songId, rendition));
  }

  /**
   * A playlist as the origin wrote it; with player tokens on, the request's token is added to every URI
   * inside (http-contract {@code Playlists.withQueryParam}), since players drop the playlist URL's query
   * when they resolve the URIs. The kept copy stays the origin's bytes.
   */
  private void playlist(RoutingContext ctx, String path) {
    String token = config.playerTokens() == null ? null : PlayerTokenGuard.tokenOf(ctx);
    document(ctx, path, token == null ? null : body -> Buffer.buffer(
        Playlists.withQueryParam(body.toString(StandardCharsets.UTF_8), PlayerTokens.PARAM, token)));
  }

  private void document(RoutingContext ctx, String path) {
    document(ctx, path, null);
  }

  /** @param rewrite applied to a 200 body before it is sent; null: as kept */
  private void document(RoutingContext ctx, String path, java.util.function.UnaryOperator<Buffer> rewrite) {
    documents.get(path).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      OriginDocuments.Served served = ar.result();
      OriginDocuments.Doc doc = served.doc();
      HttpServerResponse response = ctx.response().setStatusCode(doc.status());
      if (doc.contentType() != null) {
        response.putHeader(HttpHeaders.CONTENT_TYPE, doc.contentType());
      }
      if (doc.status() == 200) {
        response.putHeader(HttpHeaders.CACHE_CONTROL, documents.cacheControl())
            .putHeader(CdnHeaders.CACHE, served.freshness().name());
        if (served.freshness() != OriginDocuments.Freshness.MISS) {
          response.putHeader(HttpHeaders.AGE, Long.toString(served.ageSeconds()));
        }
      }
      end(ctx, doc.status() == 200 && rewrite != null ? rewrite.apply(doc.body()) : doc.body());
    });
  }

  /** Ends the response with {@code body} under the write timeout ({@link WriteTimeout}). */
  private void end(RoutingContext ctx, Buffer body) {
    writeTimeout.end(ctx, body);
  }

  private void segment(RoutingContext ctx) {
    long startNanos = System.nanoTime();
    String raw = ctx.request().path();
    Optional<Ids.SegmentId> id = Ids.SegmentId.parse(CdnPaths.segmentIdOf(raw));
    if (id.isEmpty()) {
      throw new ApiError(400, "invalid_segment_id", "segment id must be <songId>/<rendition>/<file>",
          List.of(raw));
    }
    String requesterPeerId = ctx.request().getHeader(CdnHeaders.PEER_REQUEST);
    if (requesterPeerId != null && !Ids.isNodeId(requesterPeerId)) {
      throw ApiError.badRequest("invalid_peer_id", CdnHeaders.PEER_REQUEST + " must be a peer id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    String shieldFor = ctx.request().getHeader(CdnHeaders.SHIELD_REQUEST);
    if (shieldFor != null && !Ids.isNodeId(shieldFor)) {
      throw ApiError.badRequest("invalid_edge_id", CdnHeaders.SHIELD_REQUEST + " must be an edge id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    segments.serve(id.get(), shieldFor != null).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      SegmentService.Served served = ar.result();
      long bytes = send(ctx, served);
      requests.get(served.result()).increment();
      bytesServed.get(served.result()).increment(bytes);
      latency.get(served.result()).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      publish(served, bytes, startNanos, requesterPeerId, shieldFor);
    });
  }

  /** Writes the segment (whole, ranged or 304); returns body bytes sent. */
  private long send(RoutingContext ctx, SegmentService.Served served) {
    CachedSegment segment = served.segment();
    String etag = "\"" + segment.sha256() + "\"";
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.SEGMENT)
        .putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=86400")
        .putHeader(CdnHeaders.CACHE, cacheHeader.get(served.result()));
    // A player on the edge's pathway reads where its bytes came from, as it does from a peer.
    // Through a shield the bytes took one hop more: edge, shield, (origin).
    boolean miss = served.result() == EdgeResult.MISS;
    int hops = (miss ? 2 : 1) + (served.shieldId() == null ? 0 : 1);
    response.putHeader(CdnHeaders.SOURCE, miss ? "origin" : "edge").putHeader(CdnHeaders.HOPS, Integer.toString(hops))
        .putHeader(CdnHeaders.EDGE, config.edgeId());
    if (served.shieldId() != null) {
      response.putHeader(CdnHeaders.SHIELD, served.shieldId());
    }
    String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.strip().equals("*"))) {
      response.setStatusCode(304).end();
      return 0;
    }
    Buffer bytes = segment.bytes();
    int length = bytes.length();
    ByteRange.Parsed range = ByteRange.parse(ctx.request().getHeader("Range"), length);
    if (range instanceof ByteRange.Partial partial) {
      ByteRange r = partial.range();
      response.setStatusCode(206)
          .putHeader(HttpHeaders.CONTENT_RANGE, r.contentRange(length));
      return body(ctx, bytes.slice((int) r.start(), (int) r.end() + 1));
    }
    if (range instanceof ByteRange.Unsatisfiable) {
      response.putHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + length)
          .putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.JSON);
      response.setStatusCode(416).end(new ApiError(416, "range_not_satisfiable",
          "the segment has " + length + " bytes").toJson().toBuffer());
      return 0;
    }
    return body(ctx, bytes.slice());
  }

  // HEAD: the same headers, Content-Length included, and no body.
  private long body(RoutingContext ctx, Buffer body) {
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length())).end();
      return 0;
    }
    end(ctx, body);
    return body.length();
  }

  /**
   * One EdgeServed per answered segment request; {@code requester} tells a peer's fetch (already
   * a SegmentDelivered of that peer) from a player's own delivery.
   *
   * @param requesterPeerId the {@value CdnHeaders#PEER_REQUEST} value, null when a player asked
   */
  /** Signs every EdgeServed from now on with this admitted identity (issue 16). */
  public void signWith(NodeIdentity identity) {
    this.signer = identity;
  }

  /**
   * @param shieldFor the {@value CdnHeaders#SHIELD_REQUEST} value (requester EDGE), else null
   */
  private void publish(SegmentService.Served served, long bytes, long startNanos, String requesterPeerId,
      String shieldFor) {
    try {
      long now = System.currentTimeMillis();
      events.publish(CdnTopic.EDGE_EVENTS, config.edgeId(), EdgeServed.newBuilder()
          .setEdgeId(config.edgeId())
          .setSegmentId(served.segment().segmentId())
          .setCacheResult(served.result())
          .setBytes(bytes)
          .setLatencyMicros((System.nanoTime() - startNanos) / 1000)
          .setTs(now)
          .setRequester(shieldFor != null ? EdgeRequester.EDGE
              : requesterPeerId == null ? EdgeRequester.PLAYER : EdgeRequester.PEER)
          .setRequesterPeerId(shieldFor != null ? shieldFor : requesterPeerId)
          .setShieldId(served.shieldId())
          .build(), signer);
    } catch (RuntimeException e) {
      // The response is out already; an event that cannot be made must not fail the request.
      LOG.warn("EdgeServed not published for {}: {}", served.segment().segmentId(), e.toString());
    }
  }

  private void ping(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.JSON)
        .end(new JsonObject().put("edgeId", config.edgeId()).put("region", config.region())
            .put("ts", System.currentTimeMillis()).encode());
  }
}
