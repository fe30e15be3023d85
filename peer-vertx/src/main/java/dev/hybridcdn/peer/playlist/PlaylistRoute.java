package dev.hybridcdn.peer.playlist;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import dev.hybridcdn.servicekit.token.PlayerTokenGuard;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.peer.fetch.SourceFailure;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.PathParams;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Playlist proxying: {@code GET /hls/{songId}/master.m3u8} and {@code GET
 * /hls/{songId}/{rendition}/playlist.m3u8} are fetched from the edge with the lowest smoothed RTT
 * (the next edge on a timeout or an error, {@code EDGE_TIMEOUT_MS} each) and served with their
 * segment URIs pointing back at this peer ({@link Playlists#pointSegmentsAtServer}); the master playlist
 * lists every variant once per pathway a player may fail over to ({@link SteeringPathways}). Errors: 400 {@code
 * invalid_song_id} / {@code invalid_rendition}; 404 {@code unknown_song} / {@code
 * unknown_rendition} when an edge answers 404; 502 {@code all_sources_failed} naming every edge
 * tried. An edge's text is kept with the song's manifest ({@link ManifestStore#keepPlaylist}: {@code
 * MANIFEST_TTL_MS}, dropped when a new version is published), so a player's playlists cost no edge
 * round trip once this host has them; {@link #prefetch} gets them before a player asks (warm starts).
 */
public final class PlaylistRoute {
  private final WebClient client;
  private final LinkTable links;
  private final long edgeTimeoutMs;
  private final SteeringPathways steering;
  private final UpstreamTokens upstream;
  private final ManifestStore kept;

  /**
   * @param edgeTimeoutMs bound per edge, ms
   * @param kept where the edges' playlists are kept (the host's manifest store)
   */
  public PlaylistRoute(WebClient client, LinkTable links, long edgeTimeoutMs, SteeringPathways steering,
      UpstreamTokens upstream, ManifestStore kept) {
    this.kept = kept;
    this.upstream = upstream;
    this.client = client;
    this.links = links;
    this.edgeTimeoutMs = edgeTimeoutMs;
    this.steering = steering;
  }

  /**
   * {@code GET /hls/:songId/master.m3u8}: the edge's variants once per pathway (this peer, a backup
   * peer of its region, its edges) with {@code EXT-X-CONTENT-STEERING} pointing at the tracker.
   */
  public void master(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    playlist(ctx, songId, CdnPaths.master(songId), null, text -> steering.master(songId, text));
  }

  /** {@code GET /hls/:songId/:rendition/playlist.m3u8}: segment URIs rewritten to {@code /segments/...}. */
  public void media(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    String rendition = PathParams.rendition(ctx);
    playlist(ctx, songId, CdnPaths.mediaPlaylist(songId, rendition), rendition,
        text -> Future.succeededFuture(Playlists.pointSegmentsAtServer(text, songId, rendition)));
  }


  /**
   * @param rendition null for a master playlist
   * @param rewrite what this peer makes of the edge's text; then, with player tokens on, the request's
   *     token goes on every URI inside (players drop the playlist URL's query when resolving them)
   */
  private void playlist(RoutingContext ctx, String songId, String path, String rendition,
      Function<String, Future<String>> rewrite) {
    List<String> tried = new ArrayList<>();
    String token = upstream.checker() == null ? null : PlayerTokenGuard.tokenOf(ctx);
    edgeText(songId, path, tried).compose(rewrite).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", ContentTypes.PLAYLIST).putHeader("Cache-Control", "no-cache")
            .end(token == null ? ar.result() : Playlists.withQueryParam(ar.result(), PlayerTokens.PARAM, token));
      } else if (ar.cause() instanceof SourceFailure f && f.notFound()) {
        new ApiError(404, rendition == null ? "unknown_song" : "unknown_rendition",
            "no playlist " + path, f.tried()).send(ctx);
      } else {
        new ApiError(502, "all_sources_failed", "no edge answered " + path, tried).send(ctx);
      }
    });
  }

  /**
   * Gets the song's master playlist and the rendition's media playlist from the edges unless kept; returns
   * at once, failures ignored (a player's own request tries again).
   */
  public void prefetch(String songId, String rendition) {
    edgeText(songId, CdnPaths.master(songId), new ArrayList<>());
    edgeText(songId, CdnPaths.mediaPlaylist(songId, rendition), new ArrayList<>());
  }

  /** The edge's text of the playlist at {@code path}: the kept one, else from the edges (then kept). */
  private Future<String> edgeText(String songId, String path, List<String> tried) {
    String text = kept.playlist(path);
    if (text != null) {
      return Future.succeededFuture(text);
    }
    return fromEdges(links.edgesByRtt(), 0, songId, path, tried).onSuccess(t -> kept.keepPlaylist(songId, path, t));
  }

  private Future<String> fromEdges(List<Link> edges, int i, String songId, String path, List<String> tried) {
    if (i >= edges.size()) {
      return Future.failedFuture(new SourceFailure("no edge answered " + path, tried, false));
    }
    Link edge = edges.get(i);
    return Http.get(client, upstream.url(edge.url() + path, songId), edgeTimeoutMs, null, null).transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200 && ar.result().body() != null) {
        return Future.succeededFuture(ar.result().bodyAsString());
      }
      String outcome = ar.succeeded() ? String.valueOf(ar.result().statusCode())
          : Http.reason(ar.cause(), edgeTimeoutMs);
      tried.add("edge " + edge.id() + " (" + edge.url() + "): " + outcome);
      if (ar.succeeded() && ar.result().statusCode() == 404) {
        return Future.failedFuture(new SourceFailure("not found: " + path, tried, true));
      }
      return fromEdges(edges, i + 1, songId, path, tried);
    });
  }
}
