package dev.hybridcdn.dashboard.http;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's routes, on {@link ServiceRouter} (error envelope, {@code /health}, {@code /metrics}):
 * <ul>
 *   <li>{@code GET /} the dashboard, {@code GET /player.html} the web player, {@code /vendor/*} the
 *       browser libraries (bundled by the build), all from the jar's {@code webroot};
 *   <li>{@code GET /api/feed} the live figures as server-sent events ({@link FeedBroadcast});
 *   <li>{@code WS /ws/topology} topology-streams' live graph, relayed message for message (a page needs
 *       only this server's address); a page that cannot keep up is closed with 1013, as topology-streams
 *       does, and reconnects for a new snapshot;
 *   <li>{@code GET /api/path?from=&to=&metric=} topology-streams' {@code /path}, {@code GET /api/peers}
 *       the tracker's {@code /peers} (first instance that answers), {@code GET /api/songs} the origin's
 *       {@code /songs}: status and body as the service answered; 502 {@code upstream_unavailable} when
 *       it does not answer;
 *   <li>{@code GET /api/player-token?song=} a signed player token for one song (service-kit {@code PlayerTokens},
 *       {@value PlayerTokens#PARAM} query of its master playlist), signed here so the page never holds the secret.
 * </ul>
 */
public final class DashboardHttp {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardHttp.class);
  /** A whole-graph snapshot of a large swarm is one message of several MB. */
  static final int MAX_WS_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final DashboardConfig config;
  private final WebClient http;
  private final WebSocketClient ws;
  private final FeedBroadcast feed;

  public DashboardHttp(Vertx vertx, DashboardConfig config, FeedBroadcast feed) {
    this.vertx = vertx;
    this.config = config;
    this.http = WebClient.create(vertx, config.common().tls().client(new WebClientOptions()));
    this.ws = vertx.createWebSocketClient(config.common().tls().client(
        new WebSocketClientOptions().setMaxMessageSize(MAX_WS_MESSAGE_BYTES)));
    this.feed = feed;
  }

  /**
   * {@code GET /api/player-token?song=ID}: {@code {"songId","token","expiresAt"}} (token null, expiresAt 0 when
   * the stack has no {@code PLAYER_TOKEN_SECRET}), valid {@link PlayerTokens#DEFAULT_TTL}; 400
   * {@code invalid_song_id}. Like a site's own backend signing CloudFront or Akamai URLs for its players: no
   * login here, the dashboard is an operator's page (loopback under {@code ./cdn up}).
   */
  private void playerToken(RoutingContext ctx) {
    String song = ctx.request().getParam("song");
    if (song == null || !Ids.isSongId(song)) {
      throw ApiError.badRequest("invalid_song_id", "song must be a song id, e.g. manolo-camp-morning-coffee");
    }
    JsonObject body = new JsonObject().put("songId", song);
    if (config.playerTokens() == null) {
      body.put("token", (String) null).put("expiresAt", 0L);
    } else {
      long expiresAt = System.currentTimeMillis() / 1000 + PlayerTokens.DEFAULT_TTL.toSeconds();
      body.put("token", config.playerTokens().sign(CdnPaths.songAcl(song), expiresAt)).put("expiresAt", expiresAt);
    }
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  /** A router for one HTTP verticle instance. */
  public Router router(Health health, Metrics metrics) {
    Router router = ServiceRouter.create(vertx, health, metrics);
    router.get("/api/feed").handler(feed::subscribe);
    router.get("/ws/topology").handler(this::relayTopology);
    router.get("/api/path").handler(this::path);
    router.get("/api/peers").handler(ctx -> forward(ctx, config.trackerUrls(), "/peers", 0));
    router.get("/api/songs").handler(ctx -> forward(ctx, List.of(config.originUrl()), "/songs", 0));
    router.get("/api/player-token").handler(this::playerToken);
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false).setDirectoryListing(false));
    return router;
  }

  private void path(RoutingContext ctx) {
    HttpRequest<Buffer> req = http.getAbs(config.topologyUrl() + "/path");
    for (String p : List.of("from", "to", "metric")) {
      String v = ctx.request().getParam(p);
      if (v != null) {
        req.addQueryParam(p, v);
      }
    }
    req.send().onComplete(ar -> answer(ctx, ar.succeeded() ? ar.result() : null, "topology-streams"));
  }

  /** GET {@code path} on the first of {@code bases} that answers (any status). */
  private void forward(RoutingContext ctx, List<String> bases, String path, int i) {
    http.getAbs(bases.get(i) + path).send().onComplete(ar -> {
      if (ar.failed() && i + 1 < bases.size()) {
        forward(ctx, bases, path, i + 1);
      } else {
        answer(ctx, ar.succeeded() ? ar.result() : null, bases.get(i));
      }
    });
  }

  private static void answer(RoutingContext ctx, HttpResponse<Buffer> r, String upstream) {
    if (r == null) {
      new ApiError(502, "upstream_unavailable", upstream + " did not answer").send(ctx);
      return;
    }
    String type = r.getHeader("Content-Type");
    ctx.response().setStatusCode(r.statusCode()).putHeader("Content-Type", type == null ? "application/json" : type)
        .putHeader("Cache-Control", "no-store").end(r.body() == null ? Buffer.buffer() : r.body());
  }

  private void relayTopology(RoutingContext ctx) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ApiError.badRequest("websocket_required", "/ws/topology takes a WebSocket upgrade request");
    }
    ctx.request().toWebSocket().onSuccess(page -> {
      page.pause();
      String target = config.topologyUrl().replaceFirst("^http", "ws") + "/ws/topology"; // https: wss
      Future<WebSocket> up = ws.connect(new WebSocketConnectOptions().setAbsoluteURI(target));
      up.onSuccess(topology -> pipe(page, topology)).onFailure(e -> {
        LOG.debug("topology WebSocket {} not reachable: {}", target, e.toString());
        page.close((short) 1011, "topology-streams unavailable");
      });
    });
  }

  private static void pipe(ServerWebSocket page, WebSocket topology) {
    topology.textMessageHandler(message -> {
      if (page.writeQueueFull()) {
        // the page missed changes: closing makes it reconnect and start from a new snapshot
        page.close((short) 1013, "too slow, reconnect for a new snapshot");
        topology.close();
      } else {
        page.writeTextMessage(message);
      }
    });
    topology.closeHandler(v -> {
      if (!page.isClosed()) {
        page.close((short) 1001, "topology-streams closed the feed");
      }
    });
    page.closeHandler(v -> {
      if (!topology.isClosed()) {
        topology.close();
      }
    });
    page.resume();
  }
}
