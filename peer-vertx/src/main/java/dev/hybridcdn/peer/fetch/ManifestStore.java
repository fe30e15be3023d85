package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.contract.manifest.SegmentNames;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Manifests fetched from edges ({@code GET {edge}/songs/{songId}}), kept for a TTL and shared by
 * every peer of a host (one copy per song per JVM). Concurrent requests for one song share one
 * fetch. Edges are tried in the order the caller gives (lowest RTT first). The edges' playlists of a
 * song (as an edge sent them, before a peer's rewrite) are kept alike ({@link #keepPlaylist}): for the
 * same TTL, and dropped with the song's manifest when a new version is published or the song retired.
 */
public final class ManifestStore {
  private record Entry(Future<Manifest> manifest, long expiresAtMs) {}

  private record Text(String songId, String text, long expiresAtMs) {}

  /** Playlists kept at most; past it they are all dropped (a host plays far fewer songs at once). */
  static final int MAX_PLAYLISTS = 4096;

  private final WebClient client;
  private final long ttlMs;
  private final UpstreamTokens upstream;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Text> playlists = new ConcurrentHashMap<>();

  /** @param ttlMs how long a manifest is reused, ms */
  public ManifestStore(WebClient client, long ttlMs) {
    this(client, ttlMs, UpstreamTokens.of(null));
  }

  /**
   * @param ttlMs how long a manifest is reused, ms
   * @param upstream signs the {@code HEAD} of a segment no manifest names (edges check player tokens)
   */
  public ManifestStore(WebClient client, long ttlMs, UpstreamTokens upstream) {
    this.client = client;
    this.ttlMs = ttlMs;
    this.upstream = upstream;
  }

  /**
   * The song's manifest.
   *
   * @param edgeUrls edges to ask, in order
   * @param timeoutMs bound per edge, ms
   * @return fails with {@link SourceFailure} ({@code notFound()} when an edge answered 404)
   */
  public Future<Manifest> get(String songId, List<String> edgeUrls, long timeoutMs) {
    long now = System.currentTimeMillis();
    Entry e = entries.get(songId);
    if (e != null && (now < e.expiresAtMs() || !e.manifest().isComplete())) {
      return e.manifest();
    }
    Promise<Manifest> promise = Promise.promise();
    Entry mine = new Entry(promise.future(), now + ttlMs);
    Entry raced = e == null ? entries.putIfAbsent(songId, mine)
        : (entries.replace(songId, e, mine) ? null : entries.get(songId));
    if (raced != null) {
      return raced.manifest();
    }
    fetch(songId, edgeUrls, 0, timeoutMs, new ArrayList<>()).onComplete(ar -> {
      if (ar.failed()) {
        entries.remove(songId, mine);
      }
      promise.handle(ar);
    });
    return promise.future();
  }

  /** Drops a cached manifest and the song's playlists (e.g. after a song was retired). */
  public void invalidate(String songId) {
    entries.remove(songId);
    dropPlaylists(songId);
  }

  /**
   * The text an edge sent for the playlist at {@code path} ({@code /hls/...}), while kept.
   *
   * @return null when not kept or older than the TTL
   */
  public String playlist(String path) {
    Text t = playlists.get(path);
    return t == null || System.currentTimeMillis() >= t.expiresAtMs() ? null : t.text();
  }

  /** Keeps an edge's text of the song's playlist at {@code path} for the TTL (nothing with a TTL of 0). */
  public void keepPlaylist(String songId, String path, String text) {
    if (ttlMs <= 0) {
      return;
    }
    if (playlists.size() >= MAX_PLAYLISTS) {
      playlists.clear();
    }
    playlists.put(path, new Text(songId, text, System.currentTimeMillis() + ttlMs));
  }

  private void dropPlaylists(String songId) {
    playlists.values().removeIf(t -> t.songId().equals(songId));
  }

  /**
   * A new version of the song was published (SongPublished): drops the cached manifest unless it
   * is already that version or newer, so the next request reads the new one.
   *
   * @return true when a manifest was dropped
   */
  public boolean published(String songId, long version) {
    Entry e = entries.get(songId);
    if (e == null) {
      dropPlaylists(songId);
      return false;
    }
    Manifest m = e.manifest().isComplete() && e.manifest().succeeded() ? e.manifest().result() : null;
    if (m != null && version > 0 && m.version() >= version) {
      return false;
    }
    dropPlaylists(songId);
    return entries.remove(songId, e);
  }

  /**
   * The entry of a segment the current manifest does not name: one of a superseded version that a
   * player holding the old playlist is finishing (issue 12). Its size and SHA-256 come from an
   * edge's {@code HEAD} ({@code Content-Length}, {@code ETag}) and are accepted only when the SHA-256
   * is the one the content-addressed id carries ({@link SegmentNames}), so no edge or holder can
   * pass other bytes under the id. Edges are tried in order.
   *
   * @return fails with {@link SourceFailure} ({@code notFound()} when an edge answered 404: retired)
   */
  public Future<Manifest.Segment> superseded(String segmentId, List<String> edges, long timeoutMs) {
    return superseded(segmentId, edges, 0, timeoutMs, new ArrayList<>());
  }

  private Future<Manifest.Segment> superseded(String segmentId, List<String> edges, int i, long timeoutMs,
      List<String> tried) {
    if (i >= edges.size()) {
      return Future.failedFuture(new SourceFailure("no edge described segment " + segmentId, tried, false));
    }
    String edge = edges.get(i);
    return client.headAbs(upstream.segmentUrl(edge, segmentId)).timeout(timeoutMs).send().transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        String etag = String.valueOf(ar.result().getHeader("ETag")).replace("\"", "");
        String length = ar.result().getHeader("Content-Length");
        if (SegmentNames.names(segmentId, etag) && length != null && length.matches("\\d{1,12}")) {
          return Future.succeededFuture(new Manifest.Segment(segmentId, Math.max(0, SegmentNames.index(segmentId)),
              0, Long.parseLong(length), etag));
        }
        tried.add("edge " + edge + ": ETag " + etag + " is not the hash segment " + segmentId + " names");
        return superseded(segmentId, edges, i + 1, timeoutMs, tried);
      }
      if (ar.succeeded() && ar.result().statusCode() == 404) {
        tried.add("edge " + edge + ": 404");
        return Future.failedFuture(new SourceFailure("unknown segment " + segmentId, tried, true));
      }
      tried.add("edge " + edge + ": " + (ar.succeeded() ? String.valueOf(ar.result().statusCode())
          : Http.reason(ar.cause(), timeoutMs)));
      return superseded(segmentId, edges, i + 1, timeoutMs, tried);
    });
  }

  public int size() {
    return entries.size();
  }

  private Future<Manifest> fetch(String songId, List<String> edges, int i, long timeoutMs, List<String> tried) {
    if (i >= edges.size()) {
      return Future.failedFuture(new SourceFailure("no edge answered the manifest of " + songId, tried, false));
    }
    String edge = edges.get(i);
    return Http.get(client, edge + CdnPaths.song(songId), timeoutMs, null, null).transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        try {
          return Future.succeededFuture(ManifestJson.parse(ar.result().bodyAsString()));
        } catch (RuntimeException bad) {
          tried.add("edge " + edge + ": bad manifest (" + bad.getMessage() + ")");
          return fetch(songId, edges, i + 1, timeoutMs, tried);
        }
      }
      if (ar.succeeded() && ar.result().statusCode() == 404) {
        tried.add("edge " + edge + ": 404");
        return Future.failedFuture(new SourceFailure("unknown song " + songId, tried, true));
      }
      tried.add("edge " + edge + ": " + (ar.succeeded() ? String.valueOf(ar.result().statusCode())
          : Http.reason(ar.cause(), timeoutMs)));
      return fetch(songId, edges, i + 1, timeoutMs, tried);
    });
  }
}
