package dev.hybridcdn.ops.report;

import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.apache.avro.specific.SpecificRecord;

/**
 * Accumulates deliveries and swarm events into a {@link Summary}. The one analysis core behind
 * the demo's report (fed by the simulated players) and {@code cdn replay} (fed by the event
 * history): both call the same methods, so their tables mean the same thing.
 *
 * <p>Not thread-safe: feed it from one thread (or synchronise).
 */
public final class DeliveryAnalysis {
  /** Timeline buckets aimed at: the bucket width is the period / this, rounded to a nice value. */
  static final int TARGET_BUCKETS = 30;
  private static final long[] NICE_BUCKETS_MS = {1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000,
      300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 86_400_000};

  private final String source;
  private final Map<String, Long> requestsByTier = new LinkedHashMap<>();
  private final Map<String, Long> bytesByTier = new LinkedHashMap<>();
  private final Map<String, Histogram> latencyByTier = new LinkedHashMap<>();
  private final Map<Integer, Histogram> latencyByHops = new TreeMap<>();
  /** Tier peer only, by hops to the holder: "1" direct, "2", "3+" through relays. */
  private final Map<String, Histogram> latencyByP2pHops = new TreeMap<>();
  private final Map<String, Long> segmentBytes = new HashMap<>();
  private final Map<String, long[]> uploads = new HashMap<>();
  private final Map<String, Long> edgeByEdge = new TreeMap<>();
  private final Histogram allLatency = LatencyStats.newHistogram();
  /** Timestamped observations kept for the timeline: {ts, kind, tierIndex, bytes}. */
  private final List<long[]> points = new ArrayList<>();
  private long failures;
  private boolean failuresKnown;
  private long edgeRequests;
  private long edgeHitMemory;
  private long edgeHitDb;
  private long edgeMiss;
  private long edgeBytes;
  private long edgeMissBytes;
  /** Per peer: {min, max} cumulative uploadedBytes seen in heartbeats, and whether it joined in the period. */
  private final Map<String, long[]> heartbeatUploads = new HashMap<>();
  private final java.util.Set<String> joinedInPeriod = new java.util.HashSet<>();
  private boolean edgeKnown;
  private long joined;
  private long left;
  private long expired;
  private boolean churnKnown;
  private long fromMs = Long.MAX_VALUE;
  private long toMs = Long.MIN_VALUE;

  private static final int KIND_BYTES = 0;
  private static final int KIND_JOIN = 1;
  private static final int KIND_LEAVE = 2;
  private static final int KIND_EXPIRY = 3;

  /**
   * @param source {@code players} or {@code history}, written in the summary
   * @param countsFailures true when the caller reports failures ({@link #failure(long)}); the
   *     history does not, and its summary says {@code failures: null}
   */
  public DeliveryAnalysis(String source, boolean countsFailures) {
    this.source = source;
    this.failuresKnown = countsFailures;
    for (String tier : Summary.TIERS) {
      requestsByTier.put(tier, 0L);
      bytesByTier.put(tier, 0L);
      latencyByTier.put(tier, LatencyStats.newHistogram());
    }
  }

  /**
   * Feeds one decoded event. Takes SegmentDelivered, EdgeServed, PeerJoined, PeerHeartbeat,
   * PeerLeft and PeerExpired; other types (cache and link events) are ignored. An EdgeServed asked
   * for by a player (requester PLAYER, v2) is also a delivery, tier {@code edge} or {@code origin};
   * one asked for by a peer is already counted by that peer's SegmentDelivered; one asked for by
   * another edge of its shield (requester EDGE, v3) counts only towards the origin's egress when the
   * shield missed.
   *
   * @return true when the event counted
   */
  public boolean accept(SpecificRecord event) {
    if (event instanceof SegmentDelivered d) {
      delivery(tierName(d.getTier()), d.getSegmentId().toString(), d.getBytes(), d.getLatencyMicros(),
          d.getHops(), d.getTier() == Tier.PEER ? d.getSourceId().toString() : null, d.getTs());
      return true;
    } else if (event instanceof EdgeServed e) {
      edgeKnown = true;
      // The origin's egress: misses of the edge that asked the origin. A miss its shield edge answered
      // (shieldId) is counted at the shield, by the shield's own event (requester EDGE).
      if (e.getCacheResult() == EdgeResult.MISS && e.getShieldId() == null) {
        edgeMissBytes += e.getBytes();
      }
      if (e.getRequester() == EdgeRequester.EDGE) {
        return true; // bytes between edges: neither edge egress to peers and players nor a delivery
      }
      edgeRequests++;
      edgeBytes += e.getBytes();
      edgeByEdge.merge(e.getEdgeId().toString(), 1L, Long::sum);
      switch (e.getCacheResult()) {
        case HIT_MEMORY -> edgeHitMemory++;
        case HIT_DB -> edgeHitDb++;
        case MISS -> edgeMiss++;
      }
      if (e.getRequester() == EdgeRequester.PLAYER) {
        // A player on the edge's pathway (content steering failover): a delivery no peer reports.
        boolean miss = e.getCacheResult() == EdgeResult.MISS;
        delivery(miss ? "origin" : "edge", e.getSegmentId().toString(), e.getBytes(), e.getLatencyMicros(),
            miss ? 2 : 1, null, e.getTs());
      }
      return true;
    } else if (event instanceof PeerJoined j) {
      churn(KIND_JOIN, j.getTs());
      joinedInPeriod.add(j.getPeerId().toString());
      return true;
    } else if (event instanceof PeerHeartbeat h) {
      long[] u = heartbeatUploads.computeIfAbsent(h.getPeerId().toString(), p -> new long[] {Long.MAX_VALUE, 0});
      u[0] = Math.min(u[0], h.getUploadedBytes());
      u[1] = Math.max(u[1], h.getUploadedBytes());
      return true;
    } else if (event instanceof PeerLeft l) {
      churn(KIND_LEAVE, l.getTs());
      return true;
    } else if (event instanceof PeerExpired x) {
      churn(KIND_EXPIRY, x.getTs());
      return true;
    }
    return false;
  }

  /**
   * One answered segment request.
   *
   * @param tier {@code local|peer|edge|origin}
   * @param segmentId e.g. {@code demo/128k/seg00003.ts}
   * @param bytes body bytes
   * @param latencyMicros from request to last byte, microseconds
   * @param hops 0 local, 1 peer or edge hit, 2 origin, 2-3 a peer through relays; negative when unknown
   * @param uploaderPeerId the holder that sent the bytes (tier peer), else null
   * @param ts epoch ms of the answer
   * @throws IllegalArgumentException on an unknown tier
   */
  public void delivery(String tier, String segmentId, long bytes, long latencyMicros, int hops,
      String uploaderPeerId, long ts) {
    if (!requestsByTier.containsKey(tier)) {
      throw new IllegalArgumentException("unknown tier " + tier + "; expected one of " + Summary.TIERS);
    }
    requestsByTier.merge(tier, 1L, Long::sum);
    bytesByTier.merge(tier, bytes, Long::sum);
    LatencyStats.record(latencyByTier.get(tier), latencyMicros);
    LatencyStats.record(allLatency, latencyMicros);
    if (hops >= 0) {
      LatencyStats.record(latencyByHops.computeIfAbsent(hops, h -> LatencyStats.newHistogram()), latencyMicros);
    }
    if (hops >= 1 && "peer".equals(tier)) {
      LatencyStats.record(latencyByP2pHops.computeIfAbsent(hops >= 3 ? "3+" : Integer.toString(hops),
          h -> LatencyStats.newHistogram()), latencyMicros);
    }
    segmentBytes.merge(segmentId, bytes, Math::max);
    if (uploaderPeerId != null) {
      long[] u = uploads.computeIfAbsent(uploaderPeerId, p -> new long[2]);
      u[0]++;
      u[1] += bytes;
    }
    points.add(new long[] {ts, KIND_BYTES, Summary.TIERS.indexOf(tier), bytes});
    period(ts);
  }

  /** One failed request (non-200 or no answer) at epoch ms {@code ts}. */
  public void failure(long ts) {
    failuresKnown = true;
    failures++;
    period(ts);
  }

  /** Swarm membership counts are known even when no event arrived (the topic was read). */
  public void churnKnown() {
    churnKnown = true;
  }

  /** Edge counts are known even when no event arrived (the topic was read). */
  public void edgeKnown() {
    edgeKnown = true;
  }

  private void churn(int kind, long ts) {
    churnKnown = true;
    switch (kind) {
      case KIND_JOIN -> joined++;
      case KIND_LEAVE -> left++;
      default -> expired++;
    }
    points.add(new long[] {ts, kind, -1, 0});
    period(ts);
  }

  private void period(long ts) {
    fromMs = Math.min(fromMs, ts);
    toMs = Math.max(toMs, ts);
  }

  /** Tier name of the Avro enum: {@code LOCAL -> local}. */
  public static String tierName(Tier tier) {
    return tier.name().toLowerCase(Locale.ROOT);
  }

  /** Latency of every answered request, all tiers (for the distribution chart). */
  public Histogram allLatency() {
    return allLatency.copy();
  }

  /**
   * The summary of everything fed so far.
   *
   * @param topUploaders how many uploading peers to list
   */
  public Summary summary(int topUploaders) {
    long requests = requestsByTier.values().stream().mapToLong(Long::longValue).sum();
    long delivered = bytesByTier.values().stream().mapToLong(Long::longValue).sum();
    long origin = bytesByTier.get("origin");
    long originRequests = requestsByTier.get("origin");
    long p2pRequests = requestsByTier.get("local") + requestsByTier.get("peer");
    Map<String, LatencyStats> byTier = new LinkedHashMap<>();
    latencyByTier.forEach((t, h) -> byTier.put(t, LatencyStats.of(h)));
    Map<String, LatencyStats> byHops = new LinkedHashMap<>();
    latencyByHops.forEach((hops, h) -> byHops.put(Integer.toString(hops), LatencyStats.of(h)));
    Map<String, LatencyStats> byP2pHops = new LinkedHashMap<>();
    latencyByP2pHops.forEach((hops, h) -> byP2pHops.put(hops, LatencyStats.of(h)));
    List<Summary.Uploader> top = uploads.entrySet().stream()
        .map(e -> new Summary.Uploader(e.getKey(), e.getValue()[0], e.getValue()[1]))
        .sorted(Comparator.comparingLong(Summary.Uploader::bytes).reversed().thenComparing(Summary.Uploader::peerId))
        .limit(topUploaders).toList();
    Summary.EdgeStats edge = edgeKnown
        ? new Summary.EdgeStats(edgeRequests, edgeHitMemory, edgeHitDb, edgeMiss,
            ratio(edgeHitMemory + edgeHitDb, edgeRequests), edgeBytes, edgeMissBytes, new LinkedHashMap<>(edgeByEdge))
        : null;
    boolean empty = fromMs == Long.MAX_VALUE;
    return new Summary(source, empty ? 0 : fromMs, empty ? 0 : toMs, requests, failuresKnown ? failures : null,
        new LinkedHashMap<>(requestsByTier), new LinkedHashMap<>(bytesByTier), delivered,
        segmentBytes.values().stream().mapToLong(Long::longValue).sum(), origin,
        ratio(requests - originRequests, requests), ratio(p2pRequests, requests),
        ratio(bytesByTier.get("peer"), delivered), delivered == 0 ? 0 : round4(1.0 - (double) origin / delivered),
        byTier, byHops, byP2pHops, LatencyStats.of(allLatency), edge, top, churnKnown ? new Summary.PeerChurn(joined, left, expired, heartbeatUploaded(), topTenthUploadShare()) : null,
        timeline(empty));
  }

  /**
   * Upload bytes in the period from cumulative heartbeat counters: max - min per peer, or max for
   * a peer that joined in the period (its counter started at 0 then).
   */
  private long heartbeatUploaded() {
    return perPeerUploaded().stream().mapToLong(Long::longValue).sum();
  }

  /** Each heartbeating peer's upload bytes in the period (the rule of {@link #heartbeatUploaded}). */
  private List<Long> perPeerUploaded() {
    List<Long> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : heartbeatUploads.entrySet()) {
      long[] u = e.getValue();
      out.add(joinedInPeriod.contains(e.getKey()) ? u[1] : u[1] - u[0]);
    }
    return out;
  }

  /** Share of the period's upload bytes sent by the top 10% of peers (rounded up), 0 without uploads. */
  private double topTenthUploadShare() {
    List<Long> bytes = perPeerUploaded();
    long total = bytes.stream().mapToLong(Long::longValue).sum();
    if (total <= 0) {
      return 0;
    }
    bytes.sort(Comparator.reverseOrder());
    int top = Math.max(1, (int) Math.ceil(bytes.size() / 10.0));
    return round4((double) bytes.subList(0, top).stream().mapToLong(Long::longValue).sum() / total);
  }

  private Summary.Timeline timeline(boolean empty) {
    if (empty) {
      return new Summary.Timeline(NICE_BUCKETS_MS[0], List.of());
    }
    long bucketMs = bucketWidth(toMs - fromMs);
    long start = fromMs - Math.floorMod(fromMs, bucketMs);
    int n = (int) ((toMs - start) / bucketMs) + 1;
    long[][] bytes = new long[n][Summary.TIERS.size()];
    long[][] counts = new long[n][3];
    for (long[] p : points) {
      int i = (int) ((p[0] - start) / bucketMs);
      if (p[1] == KIND_BYTES) {
        bytes[i][(int) p[2]] += p[3];
      } else {
        counts[i][(int) p[1] - 1]++;
      }
    }
    List<Summary.Bucket> buckets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Long> b = new LinkedHashMap<>();
      for (int t = 0; t < Summary.TIERS.size(); t++) {
        b.put(Summary.TIERS.get(t), bytes[i][t]);
      }
      buckets.add(new Summary.Bucket(start + i * bucketMs, b, counts[i][0], counts[i][1], counts[i][2]));
    }
    return new Summary.Timeline(bucketMs, buckets);
  }

  /** The smallest "nice" width (1 s, 2 s, 5 s, ... 1 day) giving at most about 30 buckets. */
  static long bucketWidth(long periodMs) {
    for (long w : NICE_BUCKETS_MS) {
      if (periodMs / w < TARGET_BUCKETS) {
        return w;
      }
    }
    long day = NICE_BUCKETS_MS[NICE_BUCKETS_MS.length - 1];
    return ((periodMs / TARGET_BUCKETS) / day + 1) * day;
  }

  private static double ratio(long part, long whole) {
    return whole == 0 ? 0 : round4((double) part / whole);
  }

  private static double round4(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
