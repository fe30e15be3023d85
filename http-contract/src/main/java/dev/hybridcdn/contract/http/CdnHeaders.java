package dev.hybridcdn.contract.http;

/** Header names of hybrid-cdn beyond the standard ones (ARCHITECTURE.md, "HTTP APIs"). */
public final class CdnHeaders {
  /** Peer or edge to player: where the bytes came from, {@code local|peer|edge|origin} (an edge says {@code edge} or {@code origin}). */
  public static final String SOURCE = "X-CDN-Source";
  /** Peer to player: the holder used (the peer's own id when local). */
  public static final String PEER = "X-CDN-Peer";
  /** Peer or edge to player: the edge used. */
  public static final String EDGE = "X-CDN-Edge";
  /** Peer or edge to player: hops the bytes took (0 local, 1 peer or edge hit, 2 origin). */
  public static final String HOPS = "X-CDN-Hops";
  /** Peer to player: sources tried, the successful one included. */
  public static final String ATTEMPTS = "X-CDN-Attempts";
  /** Peer to peer or edge: the requesting peer's id; at a peer it marks a request as an upload (cache only, upload slots), at an edge it tells a peer's fetch from a player's request (EdgeServed.requester). */
  public static final String PEER_REQUEST = "X-CDN-Peer-Request";
  /**
   * Edge to its shield edge (origin shield, tiered cache): the asking edge's id. The shield answers
   * from its tiers or the origin, never from a shield of its own, and counts the answer as requester
   * EDGE (EdgeServed v3).
   */
  public static final String SHIELD_REQUEST = "X-CDN-Shield-Request";
  /** Edge to peer or player: the shield edge that answered this edge's miss (absent when none did). */
  public static final String SHIELD = "X-CDN-Shield";
  /** Edge: which tier answered: a segment {@code HIT-MEMORY|HIT-DB|MISS} (an answer of the shield edge carries the shield's: MISS means the origin was asked for it); a document (catalogue, manifest, playlist) {@code MISS|HIT|STALE} (stale-if-error, RFC 5861). */
  public static final String CACHE = "X-Cache";
  /** Edge: the edge id, on every answer. */
  public static final String SERVED_BY = "X-Served-By";
  /**
   * The node ids a segment travelled, comma-separated, the answering peer first and the source last
   * ({@code peer-1,peer-3,peer-7}: two hops through the relay peer-3); hops = ids - 1 (issue 15).
   */
  public static final String PATH = "X-CDN-Path";
  /**
   * Peer to player, diagnostics of a segment answer (issue 13's latency breakdown):
   * {@code <how>; ahead=<ms>; busy=<n>; up=<n>}. {@code how}: {@code local} (cache hit), {@code edge-first}
   * (a miss sent to the edges at once), {@code fetch} (a miss through the pipeline, holders first),
   * {@code joined} (a read-ahead under way answered it), {@code hedge} (the edges, raced after the
   * wait, answered first), {@code fallback} (a joined read-ahead failed, the edges answered);
   * {@code ahead}: media ms of the rendition cached right after this segment when the request came
   * (read-ahead's lead; -1 unknown); {@code busy}: fetches under way at the peer then; {@code up}:
   * its uploads to other peers it was still writing then (upload slots held; under an emulated
   * network about 0: the shaping front takes the bytes at once and paces them itself). A miss adds
   * {@code ; of=<purpose>}: what the fetch the player waited on was for ({@code player} its own, or
   * the read-ahead it joined: {@code next}, {@code p2p-window}, {@code http-window}, {@code switch},
   * {@code burst}: a start-up burst's next segments asked of holders),
   * and a hedge {@code ; hedged-after=<ms>}: how long the player waited before the edges were asked.
   */
  public static final String ANSWER = "X-CDN-Answer";
  /**
   * What browser players may read of a cross-origin answer ({@code Access-Control-Expose-Headers}).
   */
  public static final String EXPOSED_TO_PLAYERS =
      SOURCE + ", " + PEER + ", " + EDGE + ", " + HOPS + ", " + PATH + ", " + ATTEMPTS + ", " + SHIELD + ", " + ANSWER
          + ", Content-Range, ETag";

  private CdnHeaders() {}
}
