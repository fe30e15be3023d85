package dev.hybridcdn.ops.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report tables as plain text, for a terminal (fixed-width columns, bytes in KiB/MiB). */
public final class TextReport {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private TextReport() {}

  /** Every table of a summary: tiers, ratios, latency by tier and hops, edges, uploaders, churn. */
  public static String render(Summary s) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Deliveries (%s)%s%n", s.source(),
        s.fromMs() == 0 ? "" : "  " + Instant.ofEpochMilli(s.fromMs()) + " .. " + Instant.ofEpochMilli(s.toMs())));
    out.append(String.format(Locale.ROOT, "  %-8s %10s %8s %12s %8s%n", "tier", "requests", "share", "bytes", "share"));
    for (String tier : Summary.TIERS) {
      out.append(String.format(Locale.ROOT, "  %-8s %10d %7.1f%% %12s %7.1f%%%n", tier, s.requests(tier),
          pct(s.requests(tier), s.requests()), bytes(s.bytes(tier)), pct(s.bytes(tier), s.bytesDelivered())));
    }
    out.append(String.format(Locale.ROOT, "  %-8s %10d %8s %12s%n", "total", s.requests(), "", bytes(s.bytesDelivered())));
    out.append(String.format(Locale.ROOT, "%n  failed requests      %s%n",
        s.failures() == null ? "n/a (the history records answered requests only)" : s.failures()));
    out.append(String.format(Locale.ROOT, "  hit ratio            %.1f%%  (requests not sent to the origin)%n", 100 * s.hitRatio()));
    out.append(String.format(Locale.ROOT, "  P2P hit ratio        %.1f%%  (own cache or another peer)%n", 100 * s.p2pHitRatio()));
    out.append(String.format(Locale.ROOT, "  P2P byte share       %.1f%%  (bytes from other peers)%n", 100 * s.p2pShare()));
    out.append(String.format(Locale.ROOT, "  origin offload       %.1f%%  (1 - origin bytes / bytes delivered)%n", 100 * s.offload()));
    out.append(String.format(Locale.ROOT, "  origin bytes         %s  (distinct segments: %s)%n", bytes(s.originBytes()),
        bytes(s.uniqueBytes())));
    out.append(String.format(Locale.ROOT, "%nLatency by tier (ms)%n"));
    Map<String, LatencyStats> rows = new java.util.LinkedHashMap<>(s.latencyMsByTier());
    rows.put("all", s.latencyMsAll());
    latency(out, "tier", rows);
    if (!s.latencyMsByHops().isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nLatency by hops (ms; 0 local, 1 peer or edge hit, 2 origin via edge)%n"));
      latency(out, "hops", s.latencyMsByHops());
    }
    if (s.latencyMsByP2pHops() != null && !s.latencyMsByP2pHops().isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nP2P latency by hops to the holder (ms; 2 and 3+ through relays;"
          + " seed 000 6.1.4: 1 hop avg 28 p95 42, 2-3 hops avg 55 p95 85)%n"));
      out.append(String.format(Locale.ROOT, "  %-8s %8s %9s %9s %9s%n", "hops", "count", "avg", "p95", "max"));
      s.latencyMsByP2pHops().forEach((k, l) -> out.append(String.format(Locale.ROOT, "  %-8s %8d %9s %9s %9s%n", k,
          l.count(), ms(l.meanMs()), ms(l.p95Ms()), ms(l.maxMs()))));
    }
    if (s.edge() != null) {
      Summary.EdgeStats e = s.edge();
      out.append(String.format(Locale.ROOT, "%nEdges: %d requests, hit ratio %.1f%% (memory %d, db %d, miss %d), %s sent%n",
          e.requests(), 100 * e.hitRatio(), e.hitMemory(), e.hitDb(), e.miss(), bytes(e.bytes())));
      out.append(String.format(Locale.ROOT, "  origin egress to edges %s (misses, read-ahead included): origin offload by egress %.1f%%%n",
          bytes(e.missBytes()), offload(e.missBytes(), s.bytesDelivered())));
      out.append(String.format(Locale.ROOT, "  edge egress to peers %s: CDN offload (1 - edge egress / bytes delivered) %.1f%%%n",
          bytes(e.bytes()), offload(e.bytes(), s.bytesDelivered())));
      e.byEdge().forEach((id, n) -> out.append(String.format(Locale.ROOT, "  %-20s %8d requests%n", id, n)));
    }
    if (!s.topUploaders().isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nTop uploading peers%n  %-24s %8s %12s%n", "peer", "uploads", "bytes"));
      for (Summary.Uploader u : s.topUploaders()) {
        out.append(String.format(Locale.ROOT, "  %-24s %8d %12s%n", u.peerId(), u.uploads(), bytes(u.bytes())));
      }
    }
    if (s.peers() != null) {
      Summary.PeerChurn c = s.peers();
      out.append(String.format(Locale.ROOT, "%nSwarm: %d joins, %d clean leaves, %d expiries; peers uploaded %s to peers (heartbeats)%n",
          c.joined(), c.left(), c.expired(), bytes(c.uploadedBytes())));
      if (c.uploadedBytes() > 0) {
        out.append(String.format(Locale.ROOT, "  upload spread: the top 10%% of peers sent %.1f%% of peer uploads%n",
            100 * c.topTenthUploadShare()));
      }
      if (s.edge() != null && c.uploadedBytes() + s.edge().bytes() > 0) {
        out.append(String.format(Locale.ROOT,
            "  bytes into peers: %.1f%% from other peers, %.1f%% from edges (read-ahead included)%n",
            100.0 * c.uploadedBytes() / (c.uploadedBytes() + s.edge().bytes()),
            100.0 * s.edge().bytes() / (c.uploadedBytes() + s.edge().bytes())));
      }
      List<Summary.Bucket> busy = s.timeline().buckets().stream()
          .filter(b -> b.joins() + b.leaves() + b.expiries() > 0).toList();
      if (!busy.isEmpty()) {
        out.append(String.format(Locale.ROOT, "  %-10s %6s %6s %8s   (per %d s, UTC)%n", "time", "joins", "leaves", "expiries",
            s.timeline().bucketMs() / 1000));
        for (Summary.Bucket b : busy) {
          out.append(String.format(Locale.ROOT, "  %-10s %6d %6d %8d%n", TIME.format(Instant.ofEpochMilli(b.startMs())),
              b.joins(), b.leaves(), b.expiries()));
        }
      }
    }
    return out.toString();
  }

  /**
   * The CDN-only versus hybrid table of {@code cdn demo --baseline}: the same workload (same seed)
   * with P2P off and on.
   */
  public static String comparison(Summary cdnOnly, Summary hybrid) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "CDN only vs hybrid (same workload and seed)%n"));
    out.append(String.format(Locale.ROOT, "  %-26s %14s %14s%n", "", "CDN only", "hybrid"));
    row(out, "segment requests", Long.toString(cdnOnly.requests()), Long.toString(hybrid.requests()));
    row(out, "failed requests", String.valueOf(cdnOnly.failures()), String.valueOf(hybrid.failures()));
    row(out, "origin bytes", bytes(cdnOnly.originBytes()), bytes(hybrid.originBytes()));
    row(out, "edge bytes", bytes(cdnOnly.bytes("edge")), bytes(hybrid.bytes("edge")));
    row(out, "edge+origin bytes", bytes(cdnOnly.bytes("edge") + cdnOnly.originBytes()),
        bytes(hybrid.bytes("edge") + hybrid.originBytes()));
    if (cdnOnly.edge() != null && hybrid.edge() != null) {
      row(out, "origin egress (edge misses)", bytes(cdnOnly.edge().missBytes()), bytes(hybrid.edge().missBytes()));
      row(out, "edge egress (to peers)", bytes(cdnOnly.edge().bytes()), bytes(hybrid.edge().bytes()));
      row(out, "CDN offload (edge egress)", String.format(Locale.ROOT, "%.1f%%", offload(cdnOnly.edge().bytes(),
          cdnOnly.bytesDelivered())), String.format(Locale.ROOT, "%.1f%%", offload(hybrid.edge().bytes(),
          hybrid.bytesDelivered())));
    }
    if (cdnOnly.peers() != null && hybrid.peers() != null) {
      row(out, "peer-to-peer uploads", bytes(cdnOnly.peers().uploadedBytes()), bytes(hybrid.peers().uploadedBytes()));
    }
    row(out, "peer bytes", bytes(cdnOnly.bytes("peer")), bytes(hybrid.bytes("peer")));
    row(out, "local cache bytes", bytes(cdnOnly.bytes("local")), bytes(hybrid.bytes("local")));
    row(out, "origin offload", pctText(cdnOnly.offload()), pctText(hybrid.offload()));
    row(out, "P2P byte share", pctText(cdnOnly.p2pShare()), pctText(hybrid.p2pShare()));
    LatencyStats a = cdnOnly.latencyMsAll();
    LatencyStats b = hybrid.latencyMsAll();
    row(out, "latency p50 ms (all tiers)", ms(a.p50Ms()), ms(b.p50Ms()));
    row(out, "latency p95 ms", ms(a.p95Ms()), ms(b.p95Ms()));
    row(out, "latency p99 ms", ms(a.p99Ms()), ms(b.p99Ms()));
    row(out, "latency max ms", ms(a.maxMs()), ms(b.maxMs()));
    return out.toString();
  }

  /** {@code 100 * (1 - part / delivered)}, 0 when nothing was delivered. */
  private static double offload(long part, long delivered) {
    return delivered == 0 ? 0.0 : 100.0 * (1 - (double) part / delivered);
  }

  private static void row(StringBuilder out, String name, String a, String b) {
    out.append(String.format(Locale.ROOT, "  %-26s %14s %14s%n", name, a, b));
  }

  private static void latency(StringBuilder out, String key, Map<String, LatencyStats> rows) {
    out.append(String.format(Locale.ROOT, "  %-8s %8s %9s %9s %9s %9s%n", key, "count", "p50", "p95", "p99", "max"));
    rows.forEach((k, l) -> out.append(String.format(Locale.ROOT, "  %-8s %8d %9s %9s %9s %9s%n", k, l.count(),
        ms(l.p50Ms()), ms(l.p95Ms()), ms(l.p99Ms()), ms(l.maxMs()))));
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static double pct(long part, long whole) {
    return whole == 0 ? 0 : 100.0 * part / whole;
  }

  private static String pctText(double ratio) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * ratio);
  }

  /** Bytes as B, KiB, MiB or GiB with one decimal. */
  public static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
