package dev.hybridcdn.ops.report;

import java.util.List;
import java.util.Map;

/**
 * What a swarm run or a replayed period delivered: the figures of the demo's report and of
 * {@code cdn replay}, and the shape of their {@code --json} output (Jackson writes the record
 * components as fields, in this order).
 *
 * <p>Tiers are {@code local, peer, edge, origin} (where the bytes a player got came from, the
 * peer's {@code X-CDN-Source} header or {@code SegmentDelivered.tier}).
 *
 * @param source {@code players} (counted by the simulated players) or {@code history} (read back
 *     from {@code cdn.delivery-events} and friends)
 * @param fromMs first event or request of the period, epoch ms (0 when empty)
 * @param toMs last event or request of the period, epoch ms (0 when empty)
 * @param requests segment requests answered (HTTP 200)
 * @param failures segment, playlist or manifest requests that failed (non-200 or no answer); null
 *     for history, which records answered requests only
 * @param requestsByTier answered segment requests per tier
 * @param bytesByTier bytes delivered to players per tier
 * @param bytesDelivered bytes delivered to players, all tiers
 * @param uniqueBytes bytes of the distinct segments delivered: what the origin would send with
 *     a perfect cache
 * @param originBytes bytes of requests the origin answered (tier {@code origin})
 * @param hitRatio requests not answered by the origin / requests (0 when none)
 * @param p2pHitRatio requests answered by the peer's own cache or another peer / requests
 * @param p2pShare bytes from other peers (tier {@code peer}) / bytes delivered
 * @param offload {@code 1 - originBytes / bytesDelivered}: the share of player bytes the
 *     origin did not send (0 when nothing was delivered)
 * @param latencyMsByTier latency percentiles per tier, ms
 * @param latencyMsByHops latency percentiles per hop count (0 local, 1 peer or edge hit, 2 via
 *     the edge to the origin): from {@code SegmentDelivered.hops} in the history, from the peer's
 *     {@code X-CDN-Hops} header for players; empty when unknown
 * @param latencyMsByP2pHops latency of segments from other peers (tier {@code peer}) by hops from
 *     the answering peer to the holder: {@code 1} direct, {@code 2} and {@code 3+} through relays
 *     (issue 15; the seed's "P2P (1 hop)" and "P2P (2-3 hops)" rows); null in summaries written before it
 * @param latencyMsAll latency percentiles of every answered request, all tiers, ms
 * @param edge what the edges answered, from {@code EdgeServed}; null when not known
 * @param topUploaders peers that uploaded the most bytes to other peers, most first
 * @param peers joins, clean leaves and expiries in the period; null when not known
 * @param timeline per time bucket: bytes by tier, joins, leaves, expiries
 */
public record Summary(
    String source,
    long fromMs,
    long toMs,
    long requests,
    Long failures,
    Map<String, Long> requestsByTier,
    Map<String, Long> bytesByTier,
    long bytesDelivered,
    long uniqueBytes,
    long originBytes,
    double hitRatio,
    double p2pHitRatio,
    double p2pShare,
    double offload,
    Map<String, LatencyStats> latencyMsByTier,
    Map<String, LatencyStats> latencyMsByHops,
    Map<String, LatencyStats> latencyMsByP2pHops,
    LatencyStats latencyMsAll,
    EdgeStats edge,
    List<Uploader> topUploaders,
    PeerChurn peers,
    Timeline timeline) {

  /** The four tiers, in report order. */
  public static final List<String> TIERS = List.of("local", "peer", "edge", "origin");

  /**
   * Edge answers by cache result.
   *
   * @param requests segment requests the edges answered for peers and players (not one edge's
   *     requests to its shield edge)
   * @param hitMemory answered from memory or Redis (at the edge, or at its shield)
   * @param hitDb answered from the PostgreSQL cache tier (at the edge, or at its shield)
   * @param miss fetched from the origin (by the edge, or by its shield for this request)
   * @param hitRatio (hitMemory + hitDb) / requests
   * @param bytes bytes the edges sent to peers and players (player requests and read-ahead)
   * @param missBytes what the origin sent to the edges (its egress): bytes of MISS answers of the
   *     edge that asked the origin (at a shield, its answers to other edges included)
   * @param byEdge requests per edge id
   */
  public record EdgeStats(long requests, long hitMemory, long hitDb, long miss, double hitRatio, long bytes,
      long missBytes, Map<String, Long> byEdge) {}

  /**
   * One uploading peer.
   *
   * @param peerId the holder that sent the bytes
   * @param uploads segments it sent to other peers
   * @param bytes bytes it sent to other peers
   */
  public record Uploader(String peerId, long uploads, long bytes) {}

  /**
   * Swarm membership changes.
   *
   * @param joined PeerJoined events (announces, including re-announces after expiry)
   * @param left PeerLeft events (clean shutdowns)
   * @param expired PeerExpired events (the tracker reaped a silent peer: a crash)
   * @param uploadedBytes bytes peers uploaded to other peers in the period, from their heartbeats'
   *     cumulative {@code uploadedBytes} (includes read-ahead fetches, which no player request shows)
   * @param topTenthUploadShare upload spread (issue 14): the share of {@code uploadedBytes} sent by the
   *     10% of peers (rounded up, at least one) that uploaded most, among every peer that sent a
   *     heartbeat, 0..1 (0 without uploads); 1/n of peers = perfectly even, 1 = one peer uploads all
   */
  public record PeerChurn(long joined, long left, long expired, long uploadedBytes, double topTenthUploadShare) {}

  /**
   * Values per time bucket.
   *
   * @param bucketMs width of a bucket, ms
   * @param buckets in time order; empty buckets included
   */
  public record Timeline(long bucketMs, List<Bucket> buckets) {}

  /**
   * One time bucket.
   *
   * @param startMs bucket start, epoch ms
   * @param bytesByTier bytes delivered per tier in the bucket
   * @param joins PeerJoined events in the bucket
   * @param leaves PeerLeft events in the bucket
   * @param expiries PeerExpired events in the bucket
   */
  public record Bucket(long startMs, Map<String, Long> bytesByTier, long joins, long leaves, long expiries) {}

  /** Answered requests of one tier (0 when none). */
  public long requests(String tier) {
    return requestsByTier.getOrDefault(tier, 0L);
  }

  /** Bytes of one tier (0 when none). */
  public long bytes(String tier) {
    return bytesByTier.getOrDefault(tier, 0L);
  }
}
