package dev.hybridcdn.origin.http;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.origin.store.StoreUnavailableException;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.PathParams;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The origin's read API (ARCHITECTURE.md "HTTP APIs", README "HTTP shapes"):
 * <ul>
 *   <li>{@code GET /songs}: {@code {"songs":[{"songId","title","durationMs","renditions":["64k",...]}]}}</li>
 *   <li>{@code GET /songs/{songId}}: the manifest ({@link ManifestJson})</li>
 *   <li>{@code GET /hls/{songId}/master.m3u8}, {@code GET /hls/{songId}/{rendition}/playlist.m3u8}:
 *       {@code application/vnd.apple.mpegurl}</li>
 *   <li>{@code GET /segments/{songId}/{rendition}/{file}}: {@code video/mp2t}, ETag = quoted SHA-256,
 *       immutable Cache-Control, single byte ranges (206, 416), {@code If-None-Match} (304)</li>
 *   <li>{@code GET /ping}, {@code GET /health} (PostgreSQL), {@code GET /metrics}</li>
 * </ul>
 * Errors: 400 for invalid ids or paths ({@code ..}, encoded slashes, over-long), 404 unknown,
 * 503 {@code storage_unavailable} when PostgreSQL does not answer in time; all as {@link ApiError}.
 */
public final class OriginRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(OriginRoutes.class);
  /** Segments never change under a given id and hash, so caches may keep them for a year. */
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final int MAX_PATH = 300;

  private final Vertx vertx;
  private final OriginStore store;
  private final SegmentCache cache;
  private final Metrics metrics;
  private final Health health;
  private final Counter segmentRequests;
  private final Counter bytesServed;

  public OriginRoutes(Vertx vertx, OriginStore store, SegmentCache cache, Metrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.cache = cache;
    this.metrics = metrics;
    this.segmentRequests = Counter.builder("cdn.origin.segment.requests")
        .description("segment requests answered by the origin").register(metrics.registry());
    this.bytesServed = Counter.builder("cdn.origin.bytes.served")
        .description("segment body bytes sent by the origin").register(metrics.registry());
    this.health = new Health().required("postgresql", () -> store.ping()
        .map(x -> Health.Check.up("PostgreSQL at " + store.where() + " answers")));
  }

  public Router router() {
    Router router = ServiceRouter.create(vertx, health, metrics);
    router.route().order(-1).handler(this::rejectUnsafePaths);
    router.get(CdnPaths.PING).handler(this::ping);
    router.get(CdnPaths.SONGS).handler(this::songs);
    router.get(CdnPaths.SONG_ROUTE).handler(this::manifest);
    router.get(CdnPaths.MASTER_ROUTE).handler(this::master);
    router.get(CdnPaths.MEDIA_PLAYLIST_ROUTE).handler(this::mediaPlaylist);
    router.route(CdnPaths.SEGMENTS_ROUTE).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::segment);
    return router;
  }

  /**
   * The router normalises paths (it resolves {@code ..} and decodes), so the raw path is checked
   * first: no dot segments, no encoded slash or backslash, bounded length.
   */
  private void rejectUnsafePaths(RoutingContext ctx) {
    String raw = ctx.request().path();
    if (raw == null) {
      ctx.fail(ApiError.badRequest("invalid_path", "no path"));
      return;
    }
    String lower = raw.toLowerCase(Locale.ROOT);
    if (raw.length() > MAX_PATH) {
      ctx.fail(new ApiError(400, "invalid_path", "path longer than " + MAX_PATH + " characters"));
    } else if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || raw.contains("\\")
        || raw.contains("/../") || raw.endsWith("/..") || raw.contains("/./") || raw.endsWith("/.")
        || raw.contains("//")) {
      ctx.fail(new ApiError(400, "invalid_path", "path with dot segments or encoded separators: " + PathParams.clip(raw)));
    } else {
      ctx.next();
    }
  }

  private void ping(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", ContentTypes.JSON).end("{\"status\":\"ok\",\"service\":\"origin\"}");
  }

  private void songs(RoutingContext ctx) {
    store.songs().onSuccess(list -> json(ctx, ManifestJson.writeSongList(list))).onFailure(e -> fail(ctx, e));
  }

  private void manifest(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    store.manifest(songId).onSuccess(m -> {
      if (m.isEmpty()) {
        ctx.fail(unknownSong(songId));
      } else {
        json(ctx, ManifestJson.write(m.get()));
      }
    }).onFailure(e -> fail(ctx, e));
  }

  private void master(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    playlist(ctx, store.playlist(songId, "master"), () -> unknownSong(songId));
  }

  private void mediaPlaylist(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    String rendition = PathParams.rendition(ctx);
    playlist(ctx, store.playlist(songId, rendition), () -> ApiError.notFound("unknown_rendition",
        "no rendition " + rendition + " of song " + songId));
  }

  private void playlist(RoutingContext ctx, Future<Optional<String>> body, java.util.function.Supplier<ApiError> missing) {
    body.onSuccess(text -> {
      if (text.isEmpty()) {
        ctx.fail(missing.get());
        return;
      }
      // Playlists change on re-ingest, so caches revalidate them (segments are immutable instead).
      ctx.response().putHeader("Content-Type", ContentTypes.PLAYLIST).putHeader("Cache-Control", "no-cache")
          .end(text.get());
    }).onFailure(e -> fail(ctx, e));
  }

  private void segment(RoutingContext ctx) {
    segmentRequests.increment();
    String idText = CdnPaths.segmentIdOf(ctx.request().path());
    Ids.SegmentId id = Ids.SegmentId.parse(idText).orElseThrow(() -> ApiError.badRequest("invalid_segment_id",
        "segment id must be <songId>/<rendition>/<file>, e.g. demo/128k/seg00000-9f86d081884c7d65.ts: " + PathParams.clip(idText)));
    cache.get(id, vertx.getOrCreateContext()).onSuccess(found -> {
      if (found.isEmpty()) {
        ctx.fail(ApiError.notFound("unknown_segment", "no segment " + id));
        return;
      }
      sendSegment(ctx, found.get());
    }).onFailure(e -> fail(ctx, e));
  }

  private void sendSegment(RoutingContext ctx, OriginStore.SegmentData seg) {
    HttpServerResponse res = ctx.response();
    String etag = "\"" + seg.sha256() + "\"";
    long length = seg.data().length();
    String inm = ctx.request().getHeader("If-None-Match");
    if (inm != null && (inm.contains(etag) || inm.strip().equals("*"))) {
      res.setStatusCode(304).putHeader("ETag", etag).putHeader("Cache-Control", IMMUTABLE).end();
      return;
    }
    ByteRange.Parsed parsed = ByteRange.parse(ctx.request().getHeader("Range"), length);
    if (parsed instanceof ByteRange.Unsatisfiable) {
      // No ETag or immutable Cache-Control here: an error must not be cached as the segment.
      res.putHeader("Content-Range", "bytes */" + length);
      ctx.fail(new ApiError(416, "range_not_satisfiable", "range " + PathParams.clip(ctx.request().getHeader("Range"))
          + " is outside the segment's " + length + " bytes"));
      return;
    }
    res.putHeader("Content-Type", ContentTypes.SEGMENT).putHeader("ETag", etag).putHeader("Cache-Control", IMMUTABLE)
        .putHeader("Accept-Ranges", "bytes");
    Buffer body = seg.data();
    if (parsed instanceof ByteRange.Partial p) {
      ByteRange r = p.range();
      res.setStatusCode(206).putHeader("Content-Range", r.contentRange(length));
      body = seg.data().slice((int) r.start(), (int) r.end() + 1);
    }
    res.putHeader("Content-Length", Long.toString(body.length()));
    if (ctx.request().method() == HttpMethod.HEAD) {
      res.end();
    } else {
      bytesServed.increment(body.length());
      res.end(body);
    }
  }

  /** Fails the request; PostgreSQL not answering in time is a 503 the client may retry. */
  private static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof StoreUnavailableException) {
      LOG.warn("{} {}: {}", ctx.request().method(), ctx.request().path(), failure.getMessage());
      ctx.response().putHeader("Retry-After", "5");
      ctx.fail(new ApiError(503, "storage_unavailable", "PostgreSQL does not answer; try again later"));
      return;
    }
    ctx.fail(failure);
  }

  private static ApiError unknownSong(String songId) {
    return ApiError.notFound("unknown_song", "no song " + songId);
  }

  private static void json(RoutingContext ctx, String body) {
    ctx.response().putHeader("Content-Type", ContentTypes.JSON).end(body);
  }

  /** Requests counted in {@code cdn_origin_segment_requests_total}. */
  public double segmentRequests() {
    return segmentRequests.count();
  }

}
