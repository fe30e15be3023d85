package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.network.FrontPlacement;
import dev.hybridcdn.servicekit.network.FrontStats;
import dev.hybridcdn.servicekit.network.NetworkModel;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Table 6.1.3 (scalability): for each peer count, a hybrid delivery tier of that many peers in this
 * JVM (host mode) under the network model, one player per peer playing while the figures are
 * sampled once a second, so peers are measured serving, not idle. Memory per peer = (live heap
 * after a full GC while serving - live heap before the tier started) / peers; RSS likewise from
 * {@code /proc/self/status}; CPU = this JVM's share of all cores, averaged over the swarm;
 * connections = node-to-node TCP connections open at the fronts (the most seen). The fronts run in a
 * child JVM of their own ({@code FrontPlacement.CHILD_PROCESS}): the emulated network is not a peer's cost,
 * and each connection through a front then costs this JVM two descriptors, not four. Cached segment
 * bytes live off the heap (peer-vertx {@code CachedSegment.offHeap}), so only RSS counts them. The whole stack
 * (Kafka, PostgreSQL, Redis, origin, edges, tracker, topology, players) shares the JVM and the
 * machine; the seed ran one process per peer.
 */
public final class ScaleRun {
  private ScaleRun() {}

  /**
   * One row: figures while {@code peers} peers served. Memory in MiB (2^20 bytes, shown as MB): heap and RSS
   * per peer (RSS per peer NaN after a JVM's first count), and the whole JVM's; CPU in percent of all cores.
   *
   * @param connections node-to-node connections open through the fronts, most seen
   * @param segments segments the players got; {@code failures} player requests that failed
   * @param openFiles the most file descriptors this JVM held (sockets included; the open-file limit
   *     bounds it), -1 where {@code /proc} is missing
   * @param byLink connections open through the shaping fronts at that moment, by link
   *     ({@code ShapedNetwork.openByLink}), each two sockets here and two in the fronts' process
   * @param frontsOpenFiles the most file descriptors the fronts' process held, -1 where unknown
   * @param ramp how long the players took to join
   */
  public record Row(int peers, double heapPerPeerMb, double rssPerPeerMb, double heapMb, double rssMb, double cpuPct,
      long connections, long segments, long failures, long openFiles, String byLink, long frontsOpenFiles,
      Duration ramp) {}

  /** The table, its rows, and the failed player requests of all rows. */
  public record Outcome(EvalTable table, List<Row> rows, long failures) {}

  /**
   * Measures one row per count in {@code counts}, in this JVM, one hybrid tier after the other.
   *
   * @param model the emulated network (its fronts run in a child JVM); not null
   * @param base the swarm's options: its speed-up and seed (players, songs and ramp are set per count)
   * @throws InterruptedException when interrupted while sampling
   */
  public static Outcome run(Path dataDir, Path media, NetworkModel model, List<Integer> counts, SwarmOptions base,
      PrintStream progress) throws InterruptedException {
    List<Row> rows = new ArrayList<>();
    try (LocalStack stack = LocalStack.start(new StackOptions(dataDir, false, List.of("eu-west", "us-east"), "cdn.",
        32L << 20, 1, null, model, null, null, FrontPlacement.CHILD_PROCESS), line -> progress.println("• " + line))) {
      List<Path> files = MediaFiles.smallest(MediaFiles.list(media), 2);
      stack.ingest(files, line -> progress.println("• " + line));
      for (int n : counts) {
        rows.add(row(stack, n, base, progress, rows.isEmpty()));
      }
    }
    List<List<String>> cells = new ArrayList<>();
    String[][] seed = {{"10", "12 MB", "120 MB", "2%", "30"}, {"50", "13 MB", "650 MB", "8%", "150"},
        {"100", "14 MB", "1.4 GB", "15%", "300"}, {"160", "15 MB", "2.4 GB", "24%", "480"}};
    for (Row r : rows) {
      String[] s = null;
      for (String[] candidate : seed) {
        if (candidate[0].equals(Integer.toString(r.peers()))) {
          s = candidate;
        }
      }
      cells.add(List.of(r.peers() + " peers", s == null ? "-" : s[1],
          Double.isNaN(r.rssPerPeerMb()) ? String.format(Locale.ROOT, "%.2f MB heap", r.heapPerPeerMb())
              : String.format(Locale.ROOT, "%.2f MB heap, %.2f MB RSS", r.heapPerPeerMb(), r.rssPerPeerMb()),
          s == null ? "-" : s[2], String.format(Locale.ROOT, "%.0f MB heap, %.0f MB RSS (whole JVM)", r.heapMb(), r.rssMb()),
          s == null ? "-" : s[3], String.format(Locale.ROOT, "%.0f%%", r.cpuPct()),
          s == null ? "-" : s[4], r.connections() < 0 ? "- (no model)" : Long.toString(r.connections()),
          r.openFiles() + " / " + (r.frontsOpenFiles() < 0 ? "-" : Long.toString(r.frontsOpenFiles()))
              + (r.byLink().isEmpty() ? "" : "; fronts " + r.byLink()),
          r.segments() + " segments, " + r.failures() + " failed; players joined over " + r.ramp().toSeconds() + " s"));
    }
    long failures = rows.stream().mapToLong(Row::failures).sum();
    return new Outcome(new EvalTable("6.1.3", "Scalability: peers hosted in one JVM, measured while serving",
        List.of("Peers", "Seed memory per peer", "Memory per peer", "Seed total", "Total", "Seed CPU", "CPU",
            "Seed connections", "Connections",
            "Open files (JVM / fronts' process); at that moment through the fronts", "Workload"), cells,
        "Per peer = (live heap after a full GC while serving - before the tier) / peers; RSS per peer likewise, for"
            + " the first count of a run only (the JVM keeps and reuses memory; run one count per JVM for each); totals are"
            + " the whole JVM (Kafka, PostgreSQL, Redis, origin, edges, tracker, topology, players included); CPU ="
            + " this JVM's share of all cores, swarm average (the fronts' process not included); connections ="
            + " node-to-node TCP connections open at the shaping fronts, most seen; open files = the most file"
            + " descriptors the JVM held (limit here 20,000) / the fronts' process held (its own limit), with the"
            + " connections then open through the fronts by link (2 sockets each in either process: the fronts run"
            + " in a child JVM). One player per peer, 6 segments each, joining over 60 s (at most 500 a minute past"
            + " 500 peers). Peers keep cached segments off"
            + " the heap (CachedSegment.offHeap): heap per peer excludes them, RSS includes them."), List.copyOf(rows),
        failures);
  }

  /**
   * @param firstTier true for the first tier of the JVM: only then is the RSS growth its own (the JVM
   *     keeps and reuses memory a closed tier used), so later rows report no RSS per peer (NaN)
   */
  private static Row row(LocalStack stack, int n, SwarmOptions base, PrintStream progress, boolean firstTier)
      throws InterruptedException {
    System.gc();
    double heap0 = heapMb();
    double rss0 = rssMb();
    progress.printf(Locale.ROOT, "• [scale %d] starting %d peers (heap %.0f MB, RSS %.0f MB before)%n", n, n, heap0, rss0);
    // No warm starts: with one JVM hosting every peer, each would fetch every song's start through the fronts
    // (at 1000 peers the run's teardown then passed the 20,000 open files, ops README 6.1.3); the row measures
    // peers serving their own player.
    Delivery d = stack.startDelivery("s" + n + "-", n, true, Map.of("WARM_START_SONGS", "0"));
    Duration ramp = ramp(base, n);
    try (Swarm swarm = new Swarm(stack.originUrl(), new PeerDirectory(d.peers()), null,
        base.withPlayers(n).withSongs(1, 6).withChurn(0, 0.5, 2).withRamp(ramp))) {
      AtomicBoolean running = new AtomicBoolean(true);
      double[] cpu = {0, 0};
      long[] connections = {0};
      long[] sockets = {0};
      long[] frontSockets = {-1};
      String[] byLink = {""};
      double[] liveHeap = {0};
      Thread sampler = new Thread(() -> {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int i = 0;
        while (running.get()) {
          try {
            Thread.sleep(1000); // sampling period
          } catch (InterruptedException e) {
            return;
          }
          double load = os.getProcessCpuLoad();
          if (load >= 0) {
            cpu[0] += load;
            cpu[1]++;
          }
          // one snapshot of the fronts per tick: a round trip to their JVM, which lists its descriptors
          FrontStats fronts = stack.network() == null ? null : stack.network().stats();
          connections[0] = fronts == null ? -1 : Math.max(connections[0], fronts.open());
          long fds = openFiles();
          if (fds > sockets[0]) {
            sockets[0] = fds;
            byLink[0] = fronts == null ? "" : fronts.openByLink().toString().replace("=", " ");
          }
          if (fronts != null) {
            frontSockets[0] = Math.max(frontSockets[0], fronts.openFiles());
          }
          if (++i == 15) { // mid-swarm: every peer has joined and plays
            System.gc();
            liveHeap[0] = heapMb();
          }
        }
      }, "scale-sampler");
      sampler.setDaemon(true);
      sampler.start();
      Swarm.Result result = swarm.run();
      running.set(false);
      sampler.join(5000);
      double heap = liveHeap[0] > 0 ? liveHeap[0] : heapMb();
      double rss = rssMb();
      long segments = result.requests().stream()
          .filter(r -> !r.failed() && r.kind() == dev.hybridcdn.ops.swarm.PlayerRequest.Kind.SEGMENT).count();
      Row row = new Row(n, (heap - heap0) / n, firstTier ? (rss - rss0) / n : Double.NaN, heap, rss, cpu[1] == 0 ? 0 : 100 * cpu[0] / cpu[1],
          connections[0], segments, result.failures().size(), sockets[0], byLink[0], frontSockets[0], ramp);
      progress.printf(Locale.ROOT, "• [scale %d] %s%n", n, row);
      return row;
    } finally {
      d.close();
    }
  }

  /**
   * Players join at most this fast: 250 a minute, the full run's 60 s ramp up to 250 peers. At 500 a minute
   * the 1000-peer run passed 20,000 open files during its ramp (2026-12-01 13:54 UTC).
   */
  static final double MAX_JOINS_PER_S = 250 / 60.0;

  /**
   * The players' ramp for {@code n} peers: the base's (60 s), longer past 250 peers so that players
   * join at most {@link #MAX_JOINS_PER_S}. Each connection through a front costs this JVM two
   * descriptors and its limit is 20,000 here: a thousand players joining within 60 s held more
   * connections (most idle in keep-alive) than that.
   */
  static Duration ramp(SwarmOptions base, int n) {
    Duration needed = Duration.ofMillis((long) Math.ceil(n / MAX_JOINS_PER_S * 1000));
    return needed.compareTo(base.ramp()) > 0 ? needed : base.ramp();
  }

  /** File descriptors this JVM holds now (sockets included); -1 where /proc is missing. */
  static long openFiles() {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static double heapMb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
  }

  private static double rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
