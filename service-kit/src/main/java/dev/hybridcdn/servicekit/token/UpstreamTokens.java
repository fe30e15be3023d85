package dev.hybridcdn.servicekit.token;

import dev.hybridcdn.contract.http.CdnPaths;
import java.time.Duration;

/**
 * Player tokens on the requests a node makes itself (issue 16, item 4). With {@code PLAYER_TOKEN_SECRET}
 * every player route of a peer and an edge wants a token, the requests a peer makes to other peers and to
 * edges and an edge makes to its shield edge included: the node signs its own, for the song of what it asks ({@link CdnPaths#songAcl}), valid
 * {@value #TTL_MINUTES} minutes, one HMAC per request (no cache to keep). Off: URLs unchanged.
 */
public final class UpstreamTokens {
  private static final int TTL_MINUTES = 10;
  private static final Duration TTL = Duration.ofMinutes(TTL_MINUTES);
  private final PlayerTokens tokens;

  private UpstreamTokens(PlayerTokens tokens) {
    this.tokens = tokens;
  }

  /** @param tokens null: player tokens off */
  public static UpstreamTokens of(PlayerTokens tokens) {
    return new UpstreamTokens(tokens);
  }

  /** The check of requests to this peer, null when off. */
  public PlayerTokens checker() {
    return tokens;
  }

  /** {@code base + /segments/<segmentId>}, with a token for the segment's song when on. */
  public String segmentUrl(String base, String segmentId) {
    int slash = segmentId.indexOf('/');
    return url(base + CdnPaths.segment(segmentId), slash < 0 ? segmentId : segmentId.substring(0, slash));
  }

  /** {@code url} (no query of its own), with a token for {@code songId} when on. */
  public String url(String url, String songId) {
    return tokens == null ? url : url + "?" + PlayerTokens.PARAM + "=" + tokens.sign(CdnPaths.songAcl(songId), TTL);
  }
}
