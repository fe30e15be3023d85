package dev.hybridcdn.peer.http;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.player.LocalHitRoute;
import dev.hybridcdn.peer.player.PlayerRoute;
import dev.hybridcdn.peer.playlist.PlaylistRoute;
import dev.hybridcdn.peer.relay.RelayHops;
import dev.hybridcdn.peer.relay.RelayRoute;
import dev.hybridcdn.peer.upload.UploadRoute;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ErrorHeaders;
import dev.hybridcdn.servicekit.http.PlayerCors;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.token.PlayerTokenGuard;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * The HTTP API of one peer (ARCHITECTURE.md, "HTTP APIs", peer 9000+), assembled from the route
 * class of each concern:
 * <ul>
 *   <li>{@code GET /hls/{songId}/master.m3u8}, {@code GET /hls/{songId}/{rendition}/playlist.m3u8}:
 *       {@link PlaylistRoute};</li>
 *   <li>{@code GET /segments/{segmentId}} without {@value CdnHeaders#PEER_REQUEST}: a
 *       player, {@link PlayerRoute}; with it, another peer, {@link UploadRoute};</li>
 *   <li>{@code /relay/...}: this peer as a relay and the polls of peers behind NAT, {@link RelayRoute};</li>
 *   <li>{@code GET /ping}, {@code GET /status}; {@code GET /health}, {@code GET /metrics} and the
 *       error envelope (400 {@code invalid_segment_id}, 404, 405, ...) come from {@link ServiceRouter}.</li>
 * </ul>
 * A player's plain GET of a segment this peer holds is answered before the router ({@link LocalHitRoute},
 * the hot path), with the same headers. Every answer allows any origin (hls.js in a browser page plays
 * through a peer) and exposes the {@code X-CDN-*} headers; {@code OPTIONS} answers CORS preflights. Every error answer is
 * {@code Cache-Control: no-store}. Every route but a NAT'd peer's push ({@code PUT
 * /relay/deliver}) is a GET, so a body handler is mounted on that one only.
 */
public final class PeerRouter {
  private final PeerConfig config;
  private final PlaylistRoute playlists;
  private final UploadRoute uploads;
  private final PlayerRoute player;
  private final RelayRoute relays;
  private final Supplier<JsonObject> status;
  private final PlayerTokens playerTokens;
  private final LocalHitRoute localHits;

  /**
   * @param status the {@code /status} document
   * @param playerTokens the check of player routes ({@code PLAYER_TOKEN_SECRET}); null: open
   * @param localHits a player's request for a held segment, answered before the router
   */
  public PeerRouter(PeerConfig config, PlaylistRoute playlists, UploadRoute uploads, PlayerRoute player,
      RelayRoute relays, Supplier<JsonObject> status, PlayerTokens playerTokens, LocalHitRoute localHits) {
    this.localHits = localHits;
    this.relays = relays;
    this.playerTokens = playerTokens;
    this.config = config;
    this.playlists = playlists;
    this.uploads = uploads;
    this.player = player;
    this.status = status;
  }

  /**
   * What a server instance runs on a request (one per instance): a player's plain GET of a held
   * segment is answered at once ({@link LocalHitRoute}), anything else by a {@link #create router}.
   */
  public Handler<HttpServerRequest> handler(Vertx vertx, Health health, Metrics metrics) {
    Router router = create(vertx, health, metrics);
    return request -> {
      if (!localHits.tryAnswer(vertx, request)) {
        router.handle(request);
      }
    };
  }

  /** A new router (one per server verticle instance). */
  public Router create(Vertx vertx, Health health, Metrics metrics) {
    Router router = ServiceRouter.create(vertx, health, metrics);
    // order(-1): ahead of /health and /metrics, which ServiceRouter mounted first
    router.route().order(-1).handler(this::cors);
    PlayerTokenGuard.install(router, playerTokens, "/hls/*", CdnPaths.SEGMENTS_ROUTE);
    // A relayed segment is the same content: the song's token, matched as /segments/... (issue 16).
    PlayerTokenGuard.installUnder(router, playerTokens, RelayHops.RELAY_PREFIX, RelayHops.RELAY_SEGMENTS_PREFIX + "*");
    router.get(CdnPaths.MASTER_ROUTE).handler(playlists::master);
    router.get(CdnPaths.MEDIA_PLAYLIST_ROUTE).handler(this::mediaPlaylist);
    router.get(CdnPaths.SEGMENTS_ROUTE).handler(this::segment);
    router.get(CdnPaths.PING).handler(this::ping);
    router.get("/status").handler(this::status);
    relays.mount(router);
    return router;
  }

  /** The media playlist; a player switching rendition gets the next segments of the new one started. */
  private void mediaPlaylist(RoutingContext ctx) {
    playlists.media(ctx);
    player.mediaPlaylist(ctx.pathParam("songId"), ctx.pathParam("rendition"));
  }

  /**
   * CORS on every answer ({@link PlayerCors}; a preflight is answered here), and the error rule of
   * {@link ErrorHeaders} (errors {@code no-store}, a 503 with {@code Retry-After}: the probe period,
   * when edges are asked again).
   */
  private void cors(RoutingContext ctx) {
    ErrorHeaders.install(ctx, retryAfterSeconds());
    if (!PlayerCors.apply(ctx, CdnHeaders.EXPOSED_TO_PLAYERS)) {
      ctx.next();
    }
  }

  /** A player's or another peer's request, told apart by the peer-request header. */
  private void segment(RoutingContext ctx) {
    long startNs = System.nanoTime();
    Ids.SegmentId id = Ids.SegmentId.parse(CdnPaths.segmentIdOf(ctx.request().path()))
        .orElseThrow(() -> ApiError.badRequest("invalid_segment_id",
            "segment id must be <songId>/<rendition>/<file>, e.g. demo/128k/seg00003.ts"));
    String requester = ctx.request().getHeader(CdnHeaders.PEER_REQUEST);
    if (requester != null) {
      uploads.serve(ctx, id, requester);
    } else {
      player.serve(ctx, id, startNs);
    }
  }

  /** {@code PROBE_MS} in whole seconds, at least 1. */
  private long retryAfterSeconds() {
    return Math.max(1, (config.probeInterval().toMillis() + 999) / 1000);
  }

  private void ping(RoutingContext ctx) {
    json(ctx, new JsonObject().put("id", config.peerId()).put("kind", "peer").put("region", config.region())
        .put("ts", System.currentTimeMillis()));
  }

  private void status(RoutingContext ctx) {
    json(ctx, status.get());
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", ContentTypes.JSON).end(body.encode());
  }
}
