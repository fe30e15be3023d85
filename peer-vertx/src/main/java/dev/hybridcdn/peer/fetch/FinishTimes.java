package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.peer.fetch.multisource.SourceRates;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;

/**
 * When a segment fetched now would arrive, from the best edge or from a peer: the round trip
 * ({@link LinkTable}'s smoothed RTTs) plus the segment's bytes at the source's measured
 * throughput ({@link SourceRates}: holders per chunk or whole segment, edges per segment). The
 * player route sends a waiting player's miss where it finishes first instead of always trying
 * peers and hedging later (p2p-media-loader's HTTP window near the playhead): under the default
 * model a Gbit edge 13 ms away beats a holder's 2-20 Mbit/s uplink for any segment, on a
 * loopback test the two are about equal. Thread-safe (its parts are).
 */
public final class FinishTimes {
  /** Round trip assumed before a link is measured, ms: a path across a region. */
  public static final double DEFAULT_RTT_MS = 50;
  /** Stands for "any holder": never a peer id, so {@link SourceRates} answers with the median holder. */
  private static final String ANY_HOLDER = "";
  /**
   * A holder expected to deliver within this long, ms, is never bypassed (a LAN, loopback): no
   * edge round trip saves enough to be worth the CDN's bytes.
   */
  public static final long FAST_HOLDER_MS = 50;

  private final LinkTable links;
  private final SourceRates holderRates;
  private final SourceRates edgeRates;

  /**
   * @param holderRates measured throughput of holders (keyed by peer id)
   * @param edgeRates measured throughput of edges (keyed by edge base URL; peaks, see {@link SourceRates#SourceRates(boolean)})
   */
  public FinishTimes(LinkTable links, SourceRates holderRates, SourceRates edgeRates) {
    this.links = links;
    this.holderRates = holderRates;
    this.edgeRates = edgeRates;
  }

  /**
   * Expected time, ms, until {@code bytes} arrive from the best edge that is up (lowest RTT); its
   * throughput is {@link SourceRates#DEFAULT_BYTES_PER_SECOND} until one fetch from it was
   * measured. {@link Double#MAX_VALUE} when every edge is down.
   */
  public double edgeMs(long bytes) {
    Link edge = links.bestEdge();
    if (edge == null) {
      return Double.MAX_VALUE;
    }
    double rate = edgeRates.measured(edge.url()) ? edgeRates.bytesPerSecond(edge.url())
        : SourceRates.DEFAULT_BYTES_PER_SECOND;
    return rttOr(edge.rttMs(), DEFAULT_RTT_MS) + bytes * 1000.0 / rate;
  }

  /**
   * Expected time, ms, until {@code bytes} arrive from a typical holder: the mean RTT to measured
   * neighbours (else the best edge's, else {@value #DEFAULT_RTT_MS}) plus the bytes at the median
   * measured holder's throughput.
   */
  public double holderMs(long bytes) {
    Double neighbours = links.meanNeighbourRttMs();
    double rtt = neighbours != null ? neighbours
        : rttOr(links.edgesByRtt().get(0).rttMs(), DEFAULT_RTT_MS);
    return rtt + bytes * 1000.0 / holderRates.bytesPerSecond(ANY_HOLDER);
  }

  /**
   * True when a waiting player's segment of {@code bytes} should go to the edge at once: the edge
   * is expected sooner than a holder, which is expected to take more than {@value #FAST_HOLDER_MS}
   * ms. Until both an edge and some holder were measured nothing can be compared: a start-up goes to
   * the edges (the player has nothing buffered; p2p-media-loader's default likewise loads a stream's
   * start over HTTP, {@code httpDownloadInitialTimeout = 0}), anything else peers first. Never with
   * the hedge off, nor with every edge down.
   *
   * @param hedgeMs {@code PLAYER_HEDGE_MS}; 0 (hedge off) keeps every segment peers first
   * @param startUp the segment starts a player's buffer: a song's first segment, or the one after a
   *     miss in a burst (read-ahead's HTTP window)
   * @param patienceMs how long the player can wait, ms (0: not known): a holder expected within it is
   *     asked first, however much sooner the edge would be
   */
  public boolean edgeFirst(long bytes, long hedgeMs, boolean startUp, long patienceMs) {
    if (hedgeMs <= 0) {
      return false;
    }
    Link edge = links.bestEdge();
    if (edge == null) {
      return false;
    }
    if (holderRates.isEmpty() || !edgeRates.measured(edge.url())) {
      // A fresh peer's first song waited PLAYER_HEDGE_MS on a thin uplink before the hedge (issue 13).
      return startUp;
    }
    double holder = holderMs(bytes);
    return holder > Math.max(FAST_HOLDER_MS, patienceMs) && edgeMs(bytes) < holder;
  }

  private static double rttOr(double rttMs, double otherwise) {
    return Double.isNaN(rttMs) ? otherwise : rttMs;
  }
}
