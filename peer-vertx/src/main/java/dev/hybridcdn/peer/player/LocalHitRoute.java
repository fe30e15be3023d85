package dev.hybridcdn.peer.player;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.servicekit.http.PlayerCors;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The peer's hot path (issue 19): a player's {@code GET /segments/{segmentId}} of a segment this peer
 * holds, answered before the Vert.x router as the edge's near-cache hits are (edge-vertx
 * {@code SegmentRoute}). The cache is looked up by the path's id string (only ids that passed
 * {@code Ids.SegmentId.parse} are ever cached), the bytes are the cache's off-heap buffer handed to the
 * socket without a copy ({@link CachedSegment#offHeap}), header names and fixed values are pre-encoded
 * ASCII, and nothing per request is built that the answer does not need: the headers, the
 * SegmentDelivered, the meters and what follows a local hit ({@link PlayerRoute#afterLocalHit}: read-ahead,
 * song distribution) are those of the routed answer ({@link PlayerRoute#serve}).
 *
 * <p>Anything else goes to the router, which answers it as before, errors included: another peer's
 * request ({@value CdnHeaders#PEER_REQUEST}: upload slots), a {@code Range} (a 416 is an error answer),
 * a path with dot segments, percent-encoding, {@code //} or a backslash, a missing or invalid player
 * token when tokens are on, and a segment not held.
 */
public final class LocalHitRoute {
  private static final CharSequence RANGE = HttpHeaders.createOptimized("Range");
  private static final CharSequence PEER_REQUEST = HttpHeaders.createOptimized(CdnHeaders.PEER_REQUEST);
  private static final CharSequence SEGMENT_TYPE = HttpHeaders.createOptimized(ContentTypes.SEGMENT);
  private static final CharSequence BYTES = HttpHeaders.createOptimized("bytes");
  private static final CharSequence SOURCE = HttpHeaders.createOptimized(CdnHeaders.SOURCE);
  private static final CharSequence LOCAL = HttpHeaders.createOptimized("local");
  private static final CharSequence HOPS = HttpHeaders.createOptimized(CdnHeaders.HOPS);
  private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized(CdnHeaders.ATTEMPTS);
  private static final CharSequence PATH = HttpHeaders.createOptimized(CdnHeaders.PATH);
  private static final CharSequence PEER = HttpHeaders.createOptimized(CdnHeaders.PEER);
  private static final CharSequence ZERO = HttpHeaders.createOptimized("0");
  private static final CharSequence ONE = HttpHeaders.createOptimized("1");
  private static final CharSequence ANSWER = HttpHeaders.createOptimized(CdnHeaders.ANSWER);
  private static final CharSequence EXPOSED = HttpHeaders.createOptimized(CdnHeaders.EXPOSED_TO_PLAYERS);

  private final PlayerRoute player;
  private final SegmentCache cache;
  private final PlayerTokens tokens;
  private final WriteTimeout writeTimeout;
  private final CharSequence self;

  /**
   * @param player the routed player pipeline, whose events, meters and follow-ups a hit shares
   * @param tokens the player tokens segments need ({@code PLAYER_TOKEN_SECRET}), null when off
   */
  public LocalHitRoute(String peerId, PlayerRoute player, SegmentCache cache, PlayerTokens tokens,
      WriteTimeout writeTimeout) {
    this.player = player;
    this.cache = cache;
    this.tokens = tokens;
    this.writeTimeout = writeTimeout;
    this.self = HttpHeaders.createOptimized(peerId);
  }

  /**
   * Answers the request when it is a player's plain {@code GET} of a held segment.
   *
   * @return true when answered here; false: nothing was written, the router answers it
   */
  public boolean tryAnswer(Vertx vertx, HttpServerRequest request) {
    long startNs = System.nanoTime();
    String path = request.path();
    if (request.method() != HttpMethod.GET || path == null || !path.startsWith(CdnPaths.SEGMENTS_PREFIX)
        || !clean(path) || request.getHeader(PEER_REQUEST) != null || request.getHeader(RANGE) != null) {
      return false;
    }
    String segmentId = CdnPaths.segmentIdOf(path);
    CachedSegment hit = cache.get(segmentId);
    if (hit == null
        || (tokens != null && tokens.check(request.getParam(PlayerTokens.PARAM), path) != PlayerTokens.Verdict.OK)) {
      return false;
    }
    HttpServerResponse response = request.response();
    PlayerCors.headers(response, EXPOSED);
    response.putHeader(SOURCE, LOCAL).putHeader(HOPS, ZERO).putHeader(ATTEMPTS, ONE).putHeader(PATH, self)
        .putHeader(PEER, self).putHeader(HttpHeaders.CONTENT_TYPE, SEGMENT_TYPE)
        .putHeader(HttpHeaders.ETAG, "\"" + hit.sha256() + "\"").putHeader(HttpHeaders.ACCEPT_RANGES, BYTES)
        .putHeader(ANSWER, player.localAnswer(segmentId.substring(0, segmentId.indexOf('/')), segmentId));
    // The kept buffer itself: Vert.x writes a slice of it (its own indices), the bytes are not copied.
    writeTimeout.end(vertx, request, hit.bytes());
    player.afterLocalHit(segmentId, hit.size(), startNs);
    return true;
  }

  /** False for a path with dot segments, percent-encoding, {@code //} or a backslash (the router's business). */
  static boolean clean(String path) {
    return !path.contains("..") && !path.contains("%") && !path.contains("//") && !path.contains("\\");
  }
}
