package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.network.NetworkModel;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Table 6.2.2 (network partitions, seed 000): one hybrid tier under the network model, warmed by a
 * swarm so every peer holds segments; then for each size, that many peers are cut off from every other
 * node ({@code Delivery.cutOff}: the emulated network refuses their connections and closes the open
 * ones, their events reach nobody) and the run measures
 * <ul>
 *   <li><b>detection</b>: from the cut until the tracker's {@code GET /peers/{id}} and the topology's
 *       {@code GET /neighbors/{id}} answer 404 for the peer (the tracker expired it after {@code
 *       TRACKER_PEER_TTL_MS}, the topology dropped it on PeerExpired), per peer, polled every
 *       {@value #POLL_MS} ms;</li>
 *   <li><b>stale holders</b>: once all are detected, lookups of a segment each cut-off peer held that
 *       still name a cut-off peer;</li>
 *   <li><b>rejoin</b>: from healing until the tracker lists the peer again with as many holdings as
 *       its cache has ({@code heldSegments} = cache size: data consistency), per peer.</li>
 * </ul>
 * The tracker's own clients are not nodes, so a cut-off peer could still ask it; it has nothing to
 * ask with no player on it. Sizes run one after the other, each after the previous one has rejoined.
 */
public final class PartitionRun {
  static final long POLL_MS = 250;
  /** How long one phase (detection or rejoin) may take before the run gives up on it, ms. */
  static final long PHASE_MS = 180_000;
  /** Peers the tier has beyond the largest partition, so the tracker always hears from someone. */
  static final int SPARE_PEERS = 10;

  private PartitionRun() {}

  /**
   * One partition.
   *
   * @param detectedTrackerMs per cut-off peer, ms from the cut to the tracker's 404 (missing: never)
   * @param detectedTopologyMs per cut-off peer, ms from the cut to the topology's 404
   * @param staleLookups lookups after detection that named a cut-off peer, of {@code lookups}
   * @param rejoinedMs per peer, ms from healing until listed with all its holdings
   */
  public record Row(int size, List<Double> detectedTrackerMs, List<Double> detectedTopologyMs,
      int staleLookups, int lookups, List<Double> rejoinedMs) {}

  /** The table, its rows, and 1 failure per peer never detected or never rejoined. */
  public record Outcome(EvalTable table, List<Row> rows, long failures) {}

  /**
   * @param sizes partition sizes in peers, run one after the other
   * @param base the swarm options the warm-up players take (one player per peer, 6 segments of one song)
   * @param progress progress lines
   * @throws IllegalStateException when the stack cannot start
   */
  public static Outcome run(Path dataDir, Path media, NetworkModel model, List<Integer> sizes, SwarmOptions base,
      PrintStream progress) throws InterruptedException {
    int peers = sizes.stream().mapToInt(Integer::intValue).max().orElse(0) + SPARE_PEERS;
    List<Row> rows = new ArrayList<>();
    HttpClient http = StackEnv.clientBuilder(Duration.ofSeconds(2)).build();
    try (LocalStack stack = LocalStack.start(new StackOptions(dataDir, false, List.of("eu-west", "us-east"), "cdn.",
        32L << 20, 1, null, model, null, null, null), line -> progress.println("• " + line))) {
      List<Path> files = MediaFiles.smallest(MediaFiles.list(media), 1);
      stack.ingest(files, line -> progress.println("• " + line));
      try (Delivery d = stack.startDelivery("", peers, true)) {
        progress.printf(Locale.ROOT, "• [partitions] %d peers warming up (one player each)%n", peers);
        try (Swarm swarm = new Swarm(stack.originUrl(), new PeerDirectory(d.peers()), null,
            base.withPlayers(peers).withSongs(1, 6).withChurn(0, 0.5, 2))) {
          swarm.run();
        }
        List<String> ids = d.peers().stream().map(PeerRef::peerId).toList();
        for (int n : sizes) {
          rows.add(partition(stack, d, ids.subList(0, n), http, progress));
        }
      }
    }
    long failures = 0;
    List<List<String>> cells = new ArrayList<>();
    Map<Integer, String[]> seed = Map.of(5, new String[] {"30 s", "TTL expiration"}, 20,
        new String[] {"60 s", "Tracker reaper"}, 50, new String[] {"120 s", "Topology update"});
    for (Row r : rows) {
      String[] s = seed.getOrDefault(r.size(), new String[] {"-", "-"});
      failures += (r.size() - r.detectedTrackerMs().size()) + (r.size() - r.rejoinedMs().size());
      cells.add(List.of(r.size() + " peers", s[0], spread(r.detectedTrackerMs(), r.size()),
          spread(r.detectedTopologyMs(), r.size()), s[1],
          "tracker TTL reaper, then PeerExpired to the topology",
          r.staleLookups() + " of " + r.lookups(), spread(r.rejoinedMs(), r.size()), "Maintained",
          r.rejoinedMs().size() + " of " + r.size() + " peers listed with all their holdings"));
    }
    return new Outcome(new EvalTable("6.2.2", "Network partitions: detection and rejoin",
        List.of("Partition", "Seed detection", "Detection, tracker (avg / max)", "Detection, topology (avg / max)",
            "Seed recovery mechanism", "Ours", "Lookups naming a cut-off peer after detection", "Rejoin (avg / max)",
            "Seed data consistency", "Data consistency"), cells,
        "One hybrid tier of (largest partition + " + SPARE_PEERS + ") peers under the model, warmed by one player per peer;"
            + " each partition cuts that many peers off from every other node (connections refused and closed, their"
            + " events dropped: heartbeats stop) and heals them once all are detected. Detection = cut to 404 from the"
            + " tracker's GET /peers/{id} (expired TRACKER_PEER_TTL_MS, 15 s in the local stack, after its last"
            + " heartbeat, which came up to 2 s before the cut) and from the"
            + " topology's GET /neighbors/{id}, polled every " + POLL_MS + " ms; rejoin = heal to the tracker listing"
            + " the peer with as many holdings as its cache (it re-announces in full); n/N = peers that got there within "
            + PHASE_MS / 1000 + " s."), List.copyOf(rows), failures);
  }

  private static Row partition(LocalStack stack, Delivery d, List<String> cut, HttpClient http, PrintStream progress)
      throws InterruptedException {
    Map<String, String> sample = new HashMap<>();
    for (String id : cut) {
      List<String> held = d.cachedSegments(id);
      if (!held.isEmpty()) {
        sample.put(id, held.get(held.size() / 2));
      }
    }
    long t0 = System.nanoTime();
    int closed = d.cutOff(cut);
    progress.printf(Locale.ROOT, "• [partition %d] cut off (%d connections closed)%n", cut.size(), closed);
    Map<String, Double> tracker = new HashMap<>();
    Map<String, Double> topology = new HashMap<>();
    while ((tracker.size() < cut.size() || topology.size() < cut.size()) && ms(t0) < PHASE_MS) {
      for (String id : cut) {
        if (!tracker.containsKey(id) && status(http, stack.trackerUrl() + "/peers/" + id) == 404) {
          tracker.put(id, ms(t0));
        }
        if (!topology.containsKey(id) && status(http, stack.topologyUrl() + "/neighbors/" + id) == 404) {
          topology.put(id, ms(t0));
        }
      }
      Thread.sleep(POLL_MS);
    }
    int stale = 0;
    for (String segment : sample.values()) {
      JsonObject holders = json(http, stack.trackerUrl() + "/segments/" + segment + "/peers?limit=200");
      if (holders != null && holders.getJsonArray("holders") != null) {
        for (Object h : holders.getJsonArray("holders")) {
          if (h instanceof JsonObject o && cut.contains(o.getString("peerId"))) {
            stale++;
          }
        }
      }
    }
    progress.printf(Locale.ROOT, "• [partition %d] detected by the tracker %d, the topology %d (max %.1f / %.1f s);"
        + " healing%n", cut.size(), tracker.size(), topology.size(), max(tracker) / 1000, max(topology) / 1000);
    long t1 = System.nanoTime();
    d.reconnect(cut);
    Map<String, Double> rejoined = new HashMap<>();
    while (rejoined.size() < cut.size() && ms(t1) < PHASE_MS) {
      for (String id : cut) {
        if (!rejoined.containsKey(id)) {
          JsonObject peer = json(http, stack.trackerUrl() + "/peers/" + id);
          if (peer != null && peer.getInteger("heldSegments", -1) == d.cachedSegments(id).size()) {
            rejoined.put(id, ms(t1));
          }
        }
      }
      Thread.sleep(POLL_MS);
    }
    progress.printf(Locale.ROOT, "• [partition %d] %d rejoined with all holdings (max %.1f s)%n", cut.size(),
        rejoined.size(), max(rejoined) / 1000);
    return new Row(cut.size(), List.copyOf(tracker.values()), List.copyOf(topology.values()), stale,
        sample.size(), List.copyOf(rejoined.values()));
  }

  /** "avg / max s", with "n of N" when some never got there. */
  static String spread(List<Double> ms, int of) {
    if (ms.isEmpty()) {
      return "none of " + of;
    }
    double avg = ms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double max = ms.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return String.format(Locale.ROOT, "%.1f / %.1f s", avg / 1000, max / 1000)
        + (ms.size() < of ? " (" + ms.size() + " of " + of + ")" : "");
  }

  private static double max(Map<String, Double> ms) {
    return ms.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static double ms(long since) {
    return (System.nanoTime() - since) / 1e6;
  }

  /** The status of a GET, or -1 when it failed. */
  private static int status(HttpClient http, String url) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The JSON object of a 200 answer, else null. */
  private static JsonObject json(HttpClient http, String url) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
