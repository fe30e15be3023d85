package dev.hybridcdn.edge.http;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.edge.events.ServedEvents;
import dev.hybridcdn.edge.origin.OriginDocuments;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.PathParams;
import dev.hybridcdn.servicekit.http.ErrorHeaders;
import dev.hybridcdn.servicekit.http.PlayerCors;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.token.PlayerTokenGuard;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;

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
 * ({@link PlayerCors}; {@code OPTIONS} preflights are answered). Ids are validated with {@code Ids} before
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
  private static final CharSequence SERVED_BY = HttpHeaders.createOptimized(CdnHeaders.SERVED_BY);
  private static final CharSequence EXPOSED = HttpHeaders.createOptimized(CdnHeaders.EXPOSED_TO_PLAYERS);

  private final EdgeConfig config;
  private final OriginDocuments documents;
  private final Metrics metrics;
  private final Health health;
  private final long retryAfterSeconds;
  private final WriteTimeout writeTimeout;
  private final SegmentRoute segmentRoute;
  private final CharSequence edgeId;

  /**
   * @param retryAfterSeconds the {@code Retry-After} of 503 and 504 answers, seconds
   */
  public EdgeApi(EdgeConfig config, SegmentService segments, OriginDocuments documents, long retryAfterSeconds,
      ServedEvents events, Metrics metrics, Health health) {
    this.config = config;
    this.retryAfterSeconds = retryAfterSeconds;
    Counter slowReaders = Counter.builder("cdn.edge.slow.readers")
        .description("connections closed because a response was not taken within EDGE_WRITE_TIMEOUT_MS")
        .register(metrics.registry());
    this.writeTimeout = new WriteTimeout(config.writeTimeout().toMillis(), slowReaders::increment);
    this.documents = documents;
    this.metrics = metrics;
    this.health = health;
    this.edgeId = HttpHeaders.createOptimized(config.edgeId());
    this.segmentRoute = new SegmentRoute(config.edgeId(), segments, config.playerTokens(), events, writeTimeout, metrics.registry());
  }

  /** A router with every route; one per HTTP server instance. */
  public Router router(Vertx vertx) {
    Router router = ServiceRouter.create(vertx, health, metrics);
    router.route().order(-1).handler(this::guard);
    PlayerTokenGuard.install(router, config.playerTokens(), "/hls/*", CdnPaths.SEGMENTS_ROUTE);
    // The segment route before the routes with path parameters: a segment request, most of the
    // edge's traffic, is not tried against their regular expressions first.
    router.route(CdnPaths.SEGMENTS_ROUTE).method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(segmentRoute::handle);
    router.get(CdnPaths.SONGS).handler(ctx -> document(ctx, CdnPaths.SONGS));
    router.get(CdnPaths.SONG_ROUTE).handler(this::manifest);
    router.get(CdnPaths.MASTER_ROUTE).handler(this::masterPlaylist);
    router.get(CdnPaths.MEDIA_PLAYLIST_ROUTE).handler(this::mediaPlaylist);
    router.get(CdnPaths.PING).handler(this::ping);
    return router;
  }

  /**
   * What every server instance runs on a request: the segment hot path ({@link SegmentRoute#tryAnswer}),
   * else the {@link #router}.
   */
  public Handler<HttpServerRequest> handler(Vertx vertx) {
    Router router = router(vertx);
    return request -> {
      if (!segmentRoute.tryAnswer(vertx, request)) {
        router.handle(request);
      }
    };
  }

  /** The headers of every answer that is not an error: {@code X-Served-By} and CORS. */
  static void commonHeaders(HttpServerResponse response, CharSequence edgeId) {
    response.putHeader(SERVED_BY, edgeId);
    PlayerCors.headers(response, EXPOSED);
  }

  /** False for a path with dot segments, percent-encoding, {@code //} or a backslash (answered 400 by the guard). */
  static boolean clean(String raw) {
    return raw != null && !raw.contains("..") && !raw.contains("%") && !raw.contains("//") && !raw.contains("\\");
  }

  // Runs before routing sees a normalised path: "/segments/../x" must be a 400, not a 404 elsewhere.
  private void guard(RoutingContext ctx) {
    ctx.response().putHeader(SERVED_BY, edgeId);
    ErrorHeaders.install(ctx, retryAfterSeconds);
    if (PlayerCors.apply(ctx, CdnHeaders.EXPOSED_TO_PLAYERS)) {
      return;
    }
    if (!clean(ctx.request().path())) {
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

  private void ping(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, ContentTypes.JSON)
        .end(new JsonObject().put("edgeId", config.edgeId()).put("region", config.region())
            .put("ts", System.currentTimeMillis()).encode());
  }
}
