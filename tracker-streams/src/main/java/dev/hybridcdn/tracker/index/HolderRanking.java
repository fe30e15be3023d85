package dev.hybridcdn.tracker.index;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Ranks the holders of a segment for one requester, best first (ARCHITECTURE.md, "Request flow
 * at a peer", step 2):
 * <ol>
 *   <li>same region as the requester first;</li>
 *   <li>lower RTT: the requester's measured RTT to the holder (LinkMeasured), else the holder's
 *       measured RTT to the requester, else the holder's own mean RTT (PeerHeartbeat.meanRttMs);
 *       unknown last. RTTs in the same bucket of {@code rttBucketMs} rank equal, so that small
 *       jitter does not defeat rotation;</li>
 *   <li>lower load = active uploads / upload slots, in buckets of {@code loadBucket};</li>
 *   <li>a holder demoted for reports of several peers (HolderReported) after every other;</li>
 *   <li>among equally ranked holders, a rotation by {@code turn}: the i-th lookup of a segment
 *       starts each tie group at its (i mod size)-th member, round-robin as a BitTorrent tracker
 *       or an index server would spread requests.</li>
 * </ol>
 */
public final class HolderRanking {
  private final double rttBucketMs;
  private final double loadBucket;

  /** One ranked holder; {@code rttMs} null when nothing is known, {@code load} 0..1. */
  public record Ranked(String peerId, String baseUrl, String region, Double rttMs, double load, String token) {
    /** Without a token (events unsigned). */
    public Ranked(String peerId, String baseUrl, String region, Double rttMs, double load) {
      this(peerId, baseUrl, region, rttMs, load, null);
    }
  }

  /**
   * @param rttBucketMs width of an RTT bucket, ms (> 0)
   * @param loadBucket width of a load bucket, 0..1 (> 0)
   */
  public HolderRanking(double rttBucketMs, double loadBucket) {
    this.rttBucketMs = rttBucketMs;
    this.loadBucket = loadBucket;
  }

  /**
   * @param holderIds peers the index lists for the segment
   * @param directory peer id -> announced live peer, or null (expired, left, never announced)
   * @param requesterId the requester (first of {@code exclude}), or null
   * @param region the region to prefer, or null for the requester's region (if known)
   * @param exclude peers never returned (the requester and peers it already tried)
   * @param limit at most this many holders (>= 1)
   * @param turn rotation counter of this segment's lookups
   * @return at most {@code limit} live holders, best first
   */
  public List<Ranked> rank(Collection<String> holderIds, Function<String, PeerState> directory, String requesterId,
      String region, Set<String> exclude, int limit, long turn) {
    return rank(holderIds, directory, requesterId, region, exclude, limit, turn, System.currentTimeMillis());
  }

  /** As {@link #rank(Collection, Function, String, String, Set, int, long)} at {@code nowMs} (epoch ms). */
  public List<Ranked> rank(Collection<String> holderIds, Function<String, PeerState> directory, String requesterId,
      String region, Set<String> exclude, int limit, long turn, long nowMs) {
    PeerState requester = requesterId == null ? null : directory.apply(requesterId);
    String preferred = region != null ? region : requester == null ? null : requester.region();
    // One sortable key per holder: region (1 bit) | RTT bucket (31 bits, unknown = max) | load bucket (31 bits).
    // The answer record is built only for the holders answered (10 of ~100).
    record Candidate(PeerState holder, Double rtt, long key) {}
    Candidate[] candidates = new Candidate[holderIds.size()];
    int n = 0;
    for (String id : holderIds) {
      if (exclude.contains(id)) {
        continue;
      }
      PeerState h = directory.apply(id);
      if (h == null || !h.announced()) {
        continue;
      }
      Double rtt = null;
      if (requester != null) {
        // h.peerId() is the directory's own String (hash cached), unlike the id read from the index.
        Map<String, Double> mine = requester.links();
        rtt = mine.isEmpty() ? null : mine.get(h.peerId());
        if (rtt == null && !h.links().isEmpty()) {
          rtt = h.links().get(requesterId);
        }
      }
      if (rtt == null) {
        rtt = h.meanRttMs();
      }
      if (rtt != null && !RttBounds.valid(rtt)) {
        rtt = null; // NaN would sort as 0 and a negative value below every honest one
      }
      double load = h.load();
      // A holder several peers reported (issue 16) ranks after every other holder: one key, so they rotate.
      if (h.demotedUntilMs() != 0 && h.demoted(nowMs)) {
        candidates[n++] = new Candidate(h, rtt, Long.MAX_VALUE);
        continue;
      }
      long regionRank = preferred == null || preferred.equals(h.region()) ? 0 : 1;
      long rttRank = rtt == null ? Integer.MAX_VALUE : Math.min(Integer.MAX_VALUE - 1,
          Math.max(0, (long) Math.floor(rtt / rttBucketMs)));
      long loadRank = Math.min(Integer.MAX_VALUE, Math.max(0, (long) Math.floor(load / loadBucket + 1e-9)));
      candidates[n++] = new Candidate(h, rtt, regionRank << 62 | rttRank << 31 | loadRank);
    }
    // Only the best `limit` are answered: find the key of the limit-th best on the bare keys (a
    // primitive sort, no pointer chasing), keep every candidate up to that key (so each kept tie
    // group is whole and rotates as in a full sort), and sort only those. The full object sort was
    // ~45% of a lookup in the benchmark profile (100 holders, 10 answered).
    if (limit >= 1 && n > limit) {
      long[] keys = new long[n];
      for (int k = 0; k < n; k++) {
        keys[k] = candidates[k].key;
      }
      java.util.Arrays.sort(keys);
      long threshold = keys[limit - 1];
      int kept = 0;
      for (int k = 0; k < n; k++) {
        if (candidates[k].key <= threshold) {
          candidates[kept++] = candidates[k];
        }
      }
      n = kept;
    }
    // Peer id as the last key makes tie groups deterministic before rotation.
    java.util.Arrays.sort(candidates, 0, n, (x, y) -> x.key != y.key ? Long.compare(x.key, y.key)
        : x.holder.peerId().compareTo(y.holder.peerId()));
    List<Ranked> out = new ArrayList<>(Math.min(limit, n));
    int i = 0;
    while (i < n && out.size() < limit) {
      long key = candidates[i].key;
      int j = i + 1;
      while (j < n && candidates[j].key == key) {
        j++;
      }
      int size = j - i;
      int start = (int) Math.floorMod(turn, (long) size);
      for (int k = 0; k < size && out.size() < limit; k++) {
        Candidate c = candidates[i + (start + k) % size];
        out.add(new Ranked(c.holder.peerId(), c.holder.baseUrl(), c.holder.region(), c.rtt, c.holder.load(),
            c.holder.admissionToken()));
      }
      i = j;
    }
    return out;
  }
}
