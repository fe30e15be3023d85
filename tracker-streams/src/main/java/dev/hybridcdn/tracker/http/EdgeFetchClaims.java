package dev.hybridcdn.tracker.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Segments no live peer holds that a peer is fetching from an edge: it looked them up with {@code claim=true}
 * (it goes to the edges when none holds them) and found no holder. Another peer looking up such a segment
 * is told so ({@code 404 being_fetched}) and may wait for that copy instead of asking the edges too: request
 * collapsing, as an edge's single flight does for its origin, across the swarm. Issue 13: a song's first
 * listeners play it side by side, ahead of everyone, and each asked the edges for every next segment none
 * of them had yet.
 *
 * <p>A claim lasts {@code ttlMs} from when it was taken (a claimant asking again does not renew it), so a
 * claimant that died or whose fetch failed leaves the segment to the next peer asking; a holder appearing
 * ends it. Kept in memory by the instance that answers the segment's lookups (the owner of its partition:
 * {@link InstanceRouting#byKey}): a restart or a rebalance forgets claims, which costs one more edge fetch,
 * never a wrong answer. At most {@code max} claims: when full, expired ones are dropped, and if it is still
 * full no claim is taken. Thread-safe (lookups run on every HTTP event loop).
 */
final class EdgeFetchClaims {
  /**
   * How long a claim stands, ms: an edge fetch of a segment under the default network model plus the
   * claimant's announce reaching the index take a few hundred ms; twice a peer's longest wait for a claim
   * ({@code SegmentFetcher}'s 1.5 s, rounded up) leaves it room, and a claim that outlives its claimant
   * holds the others back no longer than that.
   */
  static final long TTL_MS = 2_000;
  /** Claims kept at most: ~100 bytes each, so the bound is a few MB. */
  static final int MAX = 50_000;

  /** Who claimed a segment and when (epoch ms). */
  record Claim(String peerId, long atMs) {}

  private final ConcurrentHashMap<String, Claim> claims = new ConcurrentHashMap<>();
  private final long ttlMs;
  private final int max;

  EdgeFetchClaims() {
    this(TTL_MS, MAX);
  }

  EdgeFetchClaims(long ttlMs, int max) {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  /**
   * The requester found no holder of {@code segmentId} and will fetch it from an edge: it claims the segment
   * unless another peer's claim stands.
   *
   * @return the standing claim of another peer (the requester should wait for that copy), or null when the
   *     requester now holds the claim (taken now or before) or none could be taken (full)
   */
  Claim claim(String segmentId, String requester, long nowMs) {
    if (claims.size() >= max && !claims.containsKey(segmentId)) {
      claims.values().removeIf(c -> nowMs - c.atMs() >= ttlMs);
      if (claims.size() >= max) {
        return null;
      }
    }
    Claim[] other = new Claim[1];
    claims.compute(segmentId, (k, c) -> {
      if (c != null && nowMs - c.atMs() < ttlMs) {
        other[0] = c.peerId().equals(requester) ? null : c;
        return c;
      }
      return new Claim(requester, nowMs);
    });
    return other[0];
  }

  /** The standing claim on {@code segmentId} of a peer other than {@code requester} (may be null), or null. */
  Claim standing(String segmentId, String requester, long nowMs) {
    Claim c = claims.get(segmentId);
    return c == null || nowMs - c.atMs() >= ttlMs || c.peerId().equals(requester) ? null : c;
  }

  /** A live peer holds the segment now: its claim, if any, is done. */
  void held(String segmentId) {
    if (!claims.isEmpty()) {
      claims.remove(segmentId);
    }
  }

  /** Claims kept now, expired ones included until they are dropped. */
  int size() {
    return claims.size();
  }
}
