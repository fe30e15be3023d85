package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.demo.Demo;
import dev.hybridcdn.ops.demo.DemoOptions;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import dev.hybridcdn.ops.swarm.Session;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cdn eval}: the seed report's section 6 experiments under an emulated network. One local
 * stack, one workload and seed, played three times: on a hybrid delivery tier (P2P on), on our
 * peers with P2P off (fresh edges and peers with the same links, {@code Delivery}; the peers still
 * read ahead from the edges) and on a traditional CDN (fresh edges, no peers: each player fetches
 * from its region's edge, from the machine and links of the hybrid's peer); all through the
 * model's latencies and bandwidths. The seed's "traditional CDN" is the last. The tables put the seed's numbers (section 6, quoted) beside
 * ours; the figures are the players' own measurements (request to last byte) and the edges'
 * {@code EdgeServed} events.
 */
public final class Evaluation {
  /** Seed tables this version does not produce, and why. */
  static final Map<String, String> MISSING = missing();

  private Evaluation() {}

  private static Map<String, String> missing() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("6.1.3", "scalability is a run of its own: `cdn eval --scale 10,50,100,160`");
    m.put("6.2.1", "fault tolerance is `cdn chaos` (real processes: peers, 10% and 50% of them, an edge, the origin killed or stopped), a run of its own");
    m.put("6.2.2", "partitions are a run of its own: `cdn eval --partitions 5,20,50`");
    m.put("6.3.1", "memory per component is not measured (see 6.1.3)");
    m.put("6.3.2", "CPU per operation is not measured");
    m.put("6.4.1", "cost in dollars is not a measurement");
    return m;
  }

  /**
   * Runs both phases and builds the report.
   *
   * @param options the demo's options with {@code baseline} on and a network model set
   * @param modelName the model's file name (or {@code default.yaml}), for the report
   * @throws IllegalStateException when the stack or a phase fails
   */
  public static EvalReport run(DemoOptions options, String modelName, PrintStream progress) throws InterruptedException {
    return run(options, modelName, progress, true);
  }

  /**
   * {@link #run(DemoOptions, String, PrintStream)}, with or without the warm-up.
   *
   * @param warmUp first a quarter of the players (another seed) on a hybrid tier of their own, figures
   *     discarded, so no measured phase pays the JVM's warm-up and a cold origin ({@link Demo})
   */
  public static EvalReport run(DemoOptions options, String modelName, PrintStream progress, boolean warmUp)
      throws InterruptedException {
    long t0 = System.nanoTime();
    SwarmOptions warm = warmUp ? options.swarm().withSeed(options.swarm().seed() + 1)
        .withPlayers(Math.max(2, options.swarm().players() / 4)) : null;
    try (Demo demo = new Demo(options.withBaseline(true), progress, warm)) {
      Demo.Outcome out = demo.run();
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      run.put("machine", machine());
      run.put("network", modelName);
      run.put("peers", options.peers());
      run.put("players", options.swarm().players());
      run.put("speedup", options.swarm().speedup());
      run.put("seed", options.swarm().seed());
      run.put("warmUp", warmUp);
      run.put("songs", out.songs());
      run.put("peakRssBytes", out.peakRssBytes());
      Demo.Phase traditional = demo.traditionalCdn();
      run.put("wallTimeS", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
      return build(EvalPhase.of(traditional), EvalPhase.of(out.baseline()), EvalPhase.of(out.hybrid()), run);
    }
  }

  /** Latency of a group of segment requests, ms. */
  record Latency(long count, double min, double avg, double max, double p95) {
    static Latency of(List<PlayerRequest> reqs) {
      if (reqs.isEmpty()) {
        return new Latency(0, 0, 0, 0, 0);
      }
      double[] ms = reqs.stream().mapToDouble(q -> q.latencyMicros() / 1000.0).sorted().toArray();
      int p95 = (int) Math.ceil(0.95 * ms.length) - 1;
      return new Latency(ms.length, ms[0], Arrays.stream(ms).average().orElse(0), ms[ms.length - 1],
          ms[Math.max(0, p95)]);
    }
  }

  /**
   * @param cdn the traditional CDN (players on their region's edge)
   * @param off our peers with P2P off (read-ahead from the edges)
   */
  static EvalReport build(EvalPhase cdn, EvalPhase off, EvalPhase hybrid, Map<String, Object> run) {
    List<EvalTable> tables = new ArrayList<>();
    tables.add(hitRate(cdn, off, hybrid));
    tables.add(bandwidth(cdn, off, hybrid));
    tables.add(latencyBySource(cdn, off, hybrid));
    tables.add(PathFigures.hopsTable(hybrid.tier("peer"), hybrid.natProbe()));
    tables.add(comparison(cdn, off, hybrid));
    tables.add(listener(cdn, off, hybrid));
    tables.add(AnswerFigures.byHow("hybrid", hybrid.segments()));
    tables.add(AnswerFigures.byHow("peers, P2P off", off.segments()));
    tables.add(AnswerFigures.leadAndStartup(Map.of("traditional CDN", cdn.requests(), "hybrid", hybrid.requests(),
        "peers, P2P off", off.requests())));
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("hybridAvgLatencyMs", hybrid.avgLatencyMs());
    figures.put("traditionalCdnAvgLatencyMs", cdn.avgLatencyMs());
    figures.put("peersP2pOffAvgLatencyMs", off.avgLatencyMs());
    figures.put("failures", (double) (cdn.failures() + off.failures() + hybrid.failures()));
    figures.put("hybridFailures", (double) hybrid.failures());
    figures.put("stalls", (double) (cdn.stalls() + off.stalls() + hybrid.stalls()));
    figures.put("hybridStalls", (double) hybrid.stalls());
    figures.put("hybridSegments", (double) hybrid.segments().size());
    figures.put("traditionalCdnSegments", (double) cdn.segments().size());
    figures.put("peersP2pOffSegments", (double) off.segments().size());
    figures.put("hybridHedges", (double) hybrid.hedges().hedged());
    figures.put("hybridHedgesEdgesFirst", (double) hybrid.hedges().edgesFirst());
    // What the peers downloaded and kept, by source (their fetch ledgers). Uploads against edge egress
    // (before 2026-11-30) counted every upload a holder finished writing, also those the requester
    // then dropped (a chunk duplicate of the end game, a race lost to the edges, a fetch given up):
    // 81% there against 71% kept in a real-time run.
    figures.put("peerShareOfPeerDownloads", share(hybrid.keptBytes(true), hybrid.keptBytes(false)));
    figures.put("peerUploadsShareAgainstEdgeEgress",
        share(hybrid.peerUploads(), hybrid.peerUploads() + hybrid.edgeEgress()));
    figures.put("edgeEgressReduction", cdn.edgeEgress() == 0 ? 0 : 1 - (double) hybrid.edgeEgress() / cdn.edgeEgress());
    figures.put("originEgressOverDistinctBytes", hybrid.report().uniqueBytes() == 0 ? 0
        : (double) hybrid.originEgress() / hybrid.report().uniqueBytes());
    PathFigures.hopFigures(hybrid.tier("peer"), hybrid.natProbe(), figures);
    PathFigures.natFigures(hybrid.natRelays(), hybrid.natProbe(), figures);
    tables.add(goals(figures));
    return new EvalReport(tables, MISSING, figures, run);
  }

  private static double share(double part, double whole) {
    return whole == 0 ? 0 : part / whole;
  }

  static String pct(double ratio) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * ratio);
  }

  static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static EvalTable hitRate(EvalPhase cdn, EvalPhase off, EvalPhase hybrid) {
    String[][] seed = {{"Local cache (LRU)", "local", "35%", "0 ms", "35%"}, {"P2P network", "peer", "45%", "25-50 ms", "45%"},
        {"Edge server", "edge", "15%", "50-100 ms", "15%"}, {"Origin server", "origin", "5%", "100-500 ms", "5%"}};
    List<List<String>> rows = new ArrayList<>();
    for (String[] s : seed) {
      List<PlayerRequest> h = hybrid.tier(s[1]);
      List<PlayerRequest> c = cdn.tier(s[1]);
      List<PlayerRequest> o = off.tier(s[1]);
      rows.add(List.of(s[0], s[2], pct(share(h.size(), hybrid.segments().size())), pct(share(c.size(), cdn.segments().size())),
          pct(share(o.size(), off.segments().size())), s[3], ms(Latency.of(h).avg()), ms(Latency.of(c).avg()),
          ms(Latency.of(o).avg()), s[4],
          pct(share(h.stream().mapToLong(PlayerRequest::bytes).sum(), hybrid.bytes()))));
    }
    return new EvalTable("6.1.1", "Cache hit rate and latency per level",
        List.of("Cache level", "Seed hit rate", "Hit rate (hybrid)", "Hit rate (traditional CDN)",
            "Hit rate (peers, P2P off)", "Seed latency", "Avg latency ms (hybrid)", "Avg latency ms (traditional CDN)",
            "Avg latency ms (peers, P2P off)", "Seed bandwidth saved", "Byte share (hybrid)"),
        rows, "Hit rate = share of the players' segment requests answered by that level (X-CDN-Source: local ="
            + " the player's own peer had it, often read ahead from other peers). Latency = player request to last"
            + " byte. Traditional CDN: players on their region's edge (edge = edge hit, origin = edge miss)."
            + " Peers, P2P off: our peers without P2P, reading ahead from the edges. Seed: 1000 requests from"
            + " 50 peers over 1 hour.");
  }

  private static EvalTable bandwidth(EvalPhase cdn, EvalPhase off, EvalPhase hybrid) {
    double cO = share(cdn.originEgress(), cdn.bytes());
    double cE = share(cdn.edgeEgress(), cdn.bytes());
    double oO = share(off.originEgress(), off.bytes());
    double oE = share(off.edgeEgress(), off.bytes());
    double hO = share(hybrid.originEgress(), hybrid.bytes());
    double hE = share(hybrid.edgeEgress(), hybrid.bytes());
    List<List<String>> rows = List.of(
        List.of("Traditional CDN (players on edges)", "100%", pct(cO), "80%", pct(cE), "180%", pct(cO + cE)),
        List.of("Peers, P2P off (read-ahead)", "-", pct(oO), "-", pct(oE), "-", pct(oO + oE)),
        List.of("Hybrid CDN/P2P", "5%", pct(hO), "15%", pct(hE), "20%", pct(hO + hE)),
        List.of("Reduction (hybrid vs traditional)", "95%", pct(1 - share(hO, cO)), "81%", pct(1 - share(hE, cE)), "89%",
            pct(1 - share(hO + hE, cO + cE))));
    return new EvalTable("6.1.2", "Bandwidth against a traditional CDN",
        List.of("Architecture", "Seed origin", "Origin egress", "Seed edge", "Edge egress", "Seed total", "Total"), rows,
        "Egress as a share of the bytes delivered to players: origin egress = bytes the origin sent the edges (edge"
            + " misses, read-ahead included; EdgeServed), edge egress = bytes the edges sent peers or players."
            + " Same workload and seed in every row.");
  }

  private static EvalTable latencyBySource(EvalPhase cdn, EvalPhase off, EvalPhase hybrid) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(latencyRow("Local cache", "0 / 0 / 1 / 1", Latency.of(hybrid.tier("local"))));
    // X-CDN-Hops of a peer answer: 1 = straight from the holder, 2-3 = through 1-2 relays (issue 15).
    List<PlayerRequest> peer = hybrid.tier("peer");
    rows.add(latencyRow("P2P (1 hop)", "15 / 28 / 45 / 42", Latency.of(peer.stream().filter(q -> q.hops() <= 1).toList())));
    rows.add(latencyRow("P2P (2-3 hops)", "30 / 55 / 90 / 85", Latency.of(peer.stream().filter(q -> q.hops() >= 2).toList()),
        "through relays (X-CDN-Path); 2 hops: " + peer.stream().filter(q -> q.hops() == 2).count() + ", 3 hops: "
            + peer.stream().filter(q -> q.hops() >= 3).count()));
    rows.add(latencyRow("Edge server", "20 / 65 / 120 / 110", Latency.of(hybrid.tier("edge")),
        hybrid.hedges().hedged() + " player requests hedged after PLAYER_HEDGE_MS, " + hybrid.hedges().edgesFirst()
            + " answered by the edges first (edge or origin rows)"));
    rows.add(latencyRow("Origin server", "100 / 250 / 500 / 450", Latency.of(hybrid.tier("origin"))));
    rows.add(latencyRow("Edge server (traditional CDN)", "", Latency.of(cdn.tier("edge"))));
    rows.add(latencyRow("Origin server (traditional CDN)", "", Latency.of(cdn.tier("origin"))));
    rows.add(latencyRow("Local (peers, P2P off)", "", Latency.of(off.tier("local"))));
    rows.add(latencyRow("Edge server (peers, P2P off)", "", Latency.of(off.tier("edge"))));
    rows.add(latencyRow("Origin server (peers, P2P off)", "", Latency.of(off.tier("origin"))));
    return new EvalTable("6.1.4", "Latency by source, ms (min / avg / max / p95)",
        List.of("Source", "Seed", "Ours (hybrid)", "Requests", "Note"), rows,
        "Player request to last byte through the player's own peer (X-CDN-Source, X-CDN-Hops); hybrid run unless"
            + " named.");
  }

  private static List<String> latencyRow(String name, String seed, Latency l) {
    return latencyRow(name, seed, l, "");
  }

  private static List<String> latencyRow(String name, String seed, Latency l, String note) {
    return List.of(name, seed, l.count() == 0 ? "-" : String.format(Locale.ROOT, "%.1f / %.1f / %.1f / %.1f", l.min(),
        l.avg(), l.max(), l.p95()), Long.toString(l.count()), note);
  }

  private static EvalTable comparison(EvalPhase cdn, EvalPhase off, EvalPhase hybrid) {
    double cHit = 1 - share(cdn.tier("origin").size(), cdn.segments().size());
    double oHit = 1 - share(off.tier("origin").size(), off.segments().size());
    double hHit = 1 - share(hybrid.tier("origin").size(), hybrid.segments().size());
    double cLoad = share(cdn.originEgress(), cdn.bytes());
    double oLoad = share(off.originEgress(), off.bytes());
    double hLoad = share(hybrid.originEgress(), hybrid.bytes());
    List<List<String>> rows = List.of(
        List.of("Cache hit rate", "60%", "80%", "+33%", pct(cHit), pct(hHit), relative(hHit, cHit), pct(oHit)),
        List.of("Average latency", "80 ms", "35 ms", "-56%", ms(cdn.avgLatencyMs()) + " ms", ms(hybrid.avgLatencyMs()) + " ms",
            relative(hybrid.avgLatencyMs(), cdn.avgLatencyMs()), ms(off.avgLatencyMs()) + " ms"),
        List.of("Origin load", "40%", "5%", "-88%", pct(cLoad), pct(hLoad), relative(hLoad, cLoad), pct(oLoad)));
    return new EvalTable("6.4.2", "Performance against a traditional CDN",
        List.of("Metric", "Seed CDN", "Seed hybrid", "Seed change", "Traditional CDN", "Hybrid", "Change",
            "Peers, P2P off"), rows,
        "Cache hit rate = segment requests not answered by the origin; origin load = origin egress / bytes"
            + " delivered. The seed's 'Scalability: Limited/High' row is not a measurement.");
  }

  private static String relative(double now, double before) {
    return before == 0 ? "-" : String.format(Locale.ROOT, "%+.0f%%", 100 * (now / before - 1));
  }

  private static EvalTable listener(EvalPhase cdn, EvalPhase off, EvalPhase hybrid) {
    List<List<String>> rows = new ArrayList<>();
    List<EvalPhase> all = List.of(cdn, hybrid, off);
    rows.add(row("songs played (sessions)", all, p -> Integer.toString(p.sessions().size())));
    rows.add(row("startup time avg / p95, ms", all, p -> startup(p.sessions())));
    rows.add(row("stalls (count)", all, p -> Integer.toString(p.stalls())));
    rows.add(row("stalled, s (wall)", all, p -> stallSeconds(p.sessions())));
    rows.add(row("stall ratio", all, p -> pct(stallRatio(p.sessions()))));
    rows.add(row("average bitrate, kbit/s", all, p -> kbps(p.sessions())));
    rows.add(row("rendition switches per song", all, p -> switches(p.sessions())));
    rows.add(row("failed requests", all, p -> Long.toString(p.failures())));
    return new EvalTable("listener", "What a listener feels (not in the seed)",
        List.of("Metric", "Traditional CDN", "Hybrid", "Peers, P2P off"), rows,
        "hls.js-like players: 30 s buffer, EWMA bandwidth estimate (3 s / 9 s half-lives), up-switch at 0.7 and"
            + " stay at 0.95 of the estimate; startup = master playlist request to first segment; stall ratio ="
            + " stalled / (stalled + played), wall time at the run's speed-up.");
  }

  private static List<String> row(String name, List<EvalPhase> phases,
      java.util.function.Function<EvalPhase, String> cell) {
    List<String> r = new ArrayList<>(List.of(name));
    phases.forEach(p -> r.add(cell.apply(p)));
    return r;
  }

  private static String startup(List<Session> s) {
    double[] v = s.stream().mapToDouble(Session::startupMs).filter(x -> x >= 0).sorted().toArray();
    if (v.length == 0) {
      return "-";
    }
    return ms(Arrays.stream(v).average().orElse(0)) + " / " + ms(v[Math.max(0, (int) Math.ceil(0.95 * v.length) - 1)]);
  }

  private static String stallSeconds(List<Session> s) {
    return String.format(Locale.ROOT, "%.2f", s.stream().mapToDouble(Session::stallMs).sum() / 1000);
  }

  static double stallRatio(List<Session> s) {
    double stalled = s.stream().mapToDouble(Session::stallMs).sum();
    double played = s.stream().mapToDouble(Session::playedWallMs).sum();
    return share(stalled, stalled + played);
  }

  private static String kbps(List<Session> s) {
    double media = s.stream().mapToDouble(Session::playedMediaMs).sum();
    double bits = s.stream().mapToDouble(Session::bitrateMediaBitsMs).sum();
    return media == 0 ? "-" : String.format(Locale.ROOT, "%.0f", bits / media / 1000);
  }

  private static String switches(List<Session> s) {
    return s.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", s.stream().mapToInt(Session::switches).average().orElse(0));
  }

  private static EvalTable goals(Map<String, Double> f) {
    List<List<String>> rows = new ArrayList<>();
    double h = f.get("hybridAvgLatencyMs");
    double c = f.get("traditionalCdnAvgLatencyMs");
    rows.add(goal("hybrid average latency <= half of the traditional CDN's", ms(h) + " vs " + ms(c) + " ms", h <= c / 2));
    rows.add(goal("share of peers' downloads from other peers >= 90%", pct(f.get("peerShareOfPeerDownloads"))
        + " (uploads against edge egress: " + pct(f.get("peerUploadsShareAgainstEdgeEgress")) + ")",
        f.get("peerShareOfPeerDownloads") >= 0.9));
    rows.add(goal("edge egress >= 90% below the traditional CDN", pct(f.get("edgeEgressReduction")), f.get("edgeEgressReduction") >= 0.9));
    rows.add(goal("origin egress <= 1.1 x distinct bytes played",
        String.format(Locale.ROOT, "%.2f x", f.get("originEgressOverDistinctBytes")), f.get("originEgressOverDistinctBytes") <= 1.1));
    rows.add(goal("0 stalls (hybrid)", String.format(Locale.ROOT, "%.0f", f.get("hybridStalls")), f.get("hybridStalls") == 0));
    rows.add(goal("0 failed requests (all three runs)", String.format(Locale.ROOT, "%.0f", f.get("failures")), f.get("failures") == 0));
    rows.add(List.of("heap <= 1 MB per serving peer at 1000 peers", "see cdn eval --scale (6.1.3)", "-"));
    rows.add(PathFigures.natGoal(f));
    return new EvalTable("goals", "Goals of issues 13 and 15 under this model", List.of("Goal", "Measured", "Met"), rows,
        "Peers' downloads = the bytes of the segments the peers fetched and kept, by source (their fetch ledgers,"
            + " 'peers' fetches' in the progress); uploads against edge egress = what holders finished writing"
            + " (heartbeats, uploads the requester dropped included) over that plus what the edges sent."
            + " NAT'd peers: the model's peers that accept no inbound connection. After the players, each is asked"
            + " for up to " + Demo.NAT_PROBE_SEGMENTS + " segments it holds (its relay"
            + " holding none of them) by another public peer through the relay code (the topology's peer-only path, else"
            + " the relays the NAT'd peer measures; relays, its push, SHA-256); delivered = its own bytes arrived;"
            + " an ask a relay further along the path answered from its own copy is not counted (the next segment is"
            + " asked instead). In the swarm itself: "
            + PathFigures.swarmNat(f) + ".");
  }

  private static List<String> goal(String name, String value, boolean met) {
    return List.of(name, value, met ? "yes" : "NO");
  }

  static String machine() {
    long memKb = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      memKb = 0;
    }
    return String.format(Locale.ROOT, "%d cores, %.0f GiB RAM, %s %s, Java %s", Runtime.getRuntime().availableProcessors(),
        memKb / 1048576.0, System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
  }
}
