package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerRef;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code cdn bench compare} (issue 19 item 4, issue 14's last goal): this project's servers next to
 * well-known ones doing the same job, in one run, rounds interleaved so a change in the machine's
 * load hits both sides alike. Everything runs on this machine over loopback, without shaping.
 * <ul>
 *   <li>{@code serve}: one hot HLS segment of an ingested song under {@code wrk}: nginx serving the
 *       same bytes as a static file (one worker, sendfile) vs an edge answering from its hot tier
 *       ({@code HIT-MEMORY}) vs a peer answering a player from its cache ({@code local}).</li>
 *   <li>{@code tracker}: opentracker answering announces vs our tracker answering lookups
 *       ({@code GET /segments/{id}/peers}, TrackerBench's request), both asking for 10 peers, on the
 *       small index this run holds.</li>
 *   <li>{@code download}: one random file, 50 MiB by default, to a newcomer: aria2 over BitTorrent
 *       (4 seeders -> 1 leecher; and 1 seeder -> 4 leechers) vs {@code cdn get} through a fresh peer
 *       fetching from the peers that hold it (4 holders -> 1 peer; and 1 holder -> 4 peers at once).</li>
 * </ul>
 * The stack is a {@link LocalStack} on free ports (embedded Kafka, PostgreSQL, Redis; origin, two
 * edges, tracker, topology, 4 peers); the {@code serve} comparison's edge and peer join it in JVMs of
 * their own ({@link ServeProcesses}), as nginx is a process of its own. The other programs run from
 * temporary directories and are stopped at the end. A comparison whose programs are not installed is
 * skipped and named.
 */
public final class Compare {
  /** The comparisons, in the order they run in a round. */
  public static final List<String> COMPARISONS = List.of("serve", "tracker", "download");
  /** Holders of the file in the 4 -> 1 shape (issue 14: "held by 4 peers"). */
  static final int HOLDERS = 4;

  /**
   * How to run.
   *
   * @param rounds interleaved rounds
   * @param seconds wrk's duration per server and round
   * @param connections wrk's connections ({@code -t1})
   * @param fileBytes size of the downloaded file
   * @param only the comparisons to run ({@link #COMPARISONS})
   * @param mediaDir where the song comes from (the shortest file is ingested)
   * @param workDir where the stack, nginx, opentracker and aria2 keep their files (deleted by the caller)
   * @param pin wrk on one core, the server under test on the others, each measured run after a short
   *     unmeasured one ({@link CorePinning}); false (the default): every process on any core, no warm-up
   *     per round. On 2 cores pinning starved wrk, which shares its core with the stack's JVM (ops README)
   */
  public record Options(int rounds, int seconds, int connections, long fileBytes, Set<String> only, Path mediaDir,
      Path workDir, boolean pin) {}

  /**
   * What a run measured.
   *
   * @param rows every row of every round
   * @param skipped comparison -> why it did not run
   * @param setup what ran, in words, for the report's head
   */
  public record Report(List<CompareRow> rows, Map<String, String> skipped, Map<String, String> setup) {
    /** The report as one JSON object: {@code setup}, {@code skipped}, {@code rows}. */
    public JsonObject toJson() {
      io.vertx.core.json.JsonArray rs = new io.vertx.core.json.JsonArray();
      rows.forEach(r -> rs.add(r.toJson()));
      return new JsonObject().put("setup", new JsonObject(new LinkedHashMap<>(setup)))
          .put("skipped", new JsonObject(new LinkedHashMap<>(skipped))).put("rows", rs);
    }
  }

  private final Options options;
  private final Consumer<String> progress;
  private final Consumer<List<CompareRow>> roundDone;
  private final Map<String, String> skipped = new LinkedHashMap<>();
  private final Map<String, String> setup = new LinkedHashMap<>();
  private final List<CompareRow> rows = new ArrayList<>();
  private CorePinning pinning = CorePinning.off();

  /**
   * @param progress one line per step
   * @param roundDone the rows of each comparison of a round, as soon as measured
   */
  public Compare(Options options, Consumer<String> progress, Consumer<List<CompareRow>> roundDone) {
    this.options = options;
    this.progress = progress;
    this.roundDone = roundDone;
  }

  /** The programs each comparison needs besides this JVM. */
  static Map<String, List<String>> tools() {
    return Map.of("serve", List.of("wrk", "nginx"), "tracker", List.of("wrk", "opentracker"),
        "download", List.of("opentracker", "mktorrent", "aria2c"));
  }

  /**
   * Runs the comparisons that can run.
   *
   * @throws IllegalStateException when a server does not start or answers wrongly (the message says which)
   */
  public Report run() throws Exception {
    List<String> run = new ArrayList<>();
    for (String c : COMPARISONS) {
      if (!options.only().contains(c)) {
        continue;
      }
      List<String> missing = ExternalTools.missing(tools().get(c).toArray(String[]::new));
      if (missing.isEmpty()) {
        run.add(c);
      } else {
        skipped.put(c, "not installed: " + String.join(", ", missing));
        progress.accept("skipping " + c + ": " + String.join(", ", missing) + " not installed");
      }
    }
    setup.put("network", "loopback, no shaping");
    setup.put("machine", Runtime.getRuntime().availableProcessors() + " cores, load average at start "
        + String.format(java.util.Locale.ROOT, "%.1f", loadAverage()));
    setup.put("started", java.time.Instant.now().toString());
    if (run.isEmpty()) {
      return new Report(rows, skipped, setup);
    }
    pinning = options.pin() ? CorePinning.detect() : CorePinning.off();
    setup.put("pinning", pinning.describe());
    try {
      runAll(run);
    } finally {
      pinning.release();
    }
    setup.put("load average at end", String.format(java.util.Locale.ROOT, "%.1f", loadAverage()));
    return new Report(rows, skipped, setup);
  }

  private void runAll(List<String> run) throws Exception {
    Path work = options.workDir();
    StackOptions stackOptions = new StackOptions(work.resolve("stack"), false, List.of("local"), "cdn.",
        2 * options.fileBytes() + (64L << 20), 1, null, null, null, null, null);
    try (LocalStack stack = LocalStack.start(stackOptions, progress)) {
      Path song = MediaFiles.list(options.mediaDir()).stream().min(Comparator.comparingLong(Compare::size))
          .orElseThrow(() -> new IllegalArgumentException("no audio file in " + options.mediaDir()));
      Manifest manifest = stack.ingest(List.of(song), progress).get(0).manifest();
      // No pushed content (issue 15's song distribution) and no warm starts: the download shapes need the
      // holders this bench makes, and aria2's swarms have neither.
      Delivery delivery = stack.startDelivery("", HOLDERS, true, Map.of("PUSH_CACHE_SHARE", "0",
          "WARM_START_SONGS", "0"));
      List<PeerRef> peers = delivery.peers();
      String tracker = stack.trackerUrl();
      progress.accept("edges " + delivery.edgeUrls() + ", " + peers.size() + " peers, tracker " + tracker);
      Manifest.Rendition rendition = manifest.rendition("128k") != null ? manifest.rendition("128k")
          : manifest.renditions().get(0);
      Manifest.Segment hot = rendition.segments().get(0);
      // Every peer plays the rendition: the tracker's index then has holders for each of its segments.
      for (PeerRef p : peers) {
        for (Manifest.Segment s : rendition.segments()) {
          CompareRun.get(p.baseUrl() + CdnPaths.segment(s.segmentId()), null, s.sha256());
        }
      }
      for (Manifest.Segment s : rendition.segments()) {
        CompareRun.awaitHolders(tracker, s.segmentId(), peers.size());
      }
      CompareRun shared = new CompareRun(options, pinning, setup, progress);
      ServeComparison serveComparison = new ServeComparison(shared);
      TrackerComparison trackerComparison = new TrackerComparison(shared);
      DownloadComparison downloadComparison = new DownloadComparison(shared);
      try (Sides sides = new Sides()) {
        if (run.contains("serve")) {
          sides.serveProcesses = ServeProcesses.start(stack.baseEnv(), stack.originUrl(), stack.trackerUrls(),
              work.resolve("logs"), pinning);
          sides.serve = serveComparison.setup(sides.serveProcesses, hot);
        }
        // opentracker's port is chosen first: the torrents name it, and its whitelist names their hashes
        // ... and held (TCP and UDP, opentracker binds both) until opentracker starts: the download setup
        // starts peers on free ports meanwhile, which could otherwise be given this one.
        OpenTracker.PortHold hold = OpenTracker.PortHold.take();
        sides.portHold = hold;
        int openTrackerPort = hold.port();
        if (run.contains("download")) {
          sides.download = downloadComparison.setup(stack, delivery, tracker, OpenTracker.announceUrl(openTrackerPort));
        }
        if (run.contains("tracker") || run.contains("download")) {
          List<String> hashes = new ArrayList<>(OpenTracker.loadHashes());
          if (sides.download != null) {
            hashes.add(sides.download.fourTorrent().infoHash());
            hashes.add(sides.download.oneTorrent().infoHash());
          }
          hold.close();
          sides.openTracker = OpenTracker.start(work.resolve("opentracker"), openTrackerPort, hashes,
              pinning::onServerCores);
          progress.accept("opentracker " + sides.openTracker.url());
        }
        if (run.contains("tracker")) {
          sides.tracker = trackerComparison.setup(tracker, rendition, sides.openTracker);
        }
        if (sides.download != null) {
          downloadComparison.seedSwarms(sides.download, sides.swarm, sides.openTracker);
        }
        warmUp(sides, shared);
        for (int round = 1; round <= options.rounds(); round++) {
          if (sides.serve != null) {
            pinning.benchJvmOnLoadCore(); // the stack out of the way of the server under test
            report(serveComparison.round(round, sides.serve, sides.serveProcesses));
          }
          if (sides.tracker != null) {
            pinning.benchJvmOnServerCores(); // the tracker under test lives in this JVM
            report(trackerComparison.round(round, sides.tracker));
          }
          pinning.release();
          if (sides.download != null) {
            report(downloadComparison.round(round, delivery, tracker, sides.download));
          }
        }
      }
    }
  }

  private void report(List<CompareRow> round) {
    rows.addAll(round);
    roundDone.accept(round);
  }

  /** The external servers of a run, stopped together. */
  private static final class Sides implements AutoCloseable {
    ServeProcesses serveProcesses;
    ServeComparison.ServeSide serve;
    TrackerComparison.TrackerSide tracker;
    DownloadComparison.DownloadSide download;
    OpenTracker openTracker;
    OpenTracker.PortHold portHold;
    final Aria2Swarm swarm = new Aria2Swarm();

    @Override
    public void close() {
      if (portHold != null) {
        portHold.close();
      }
      swarm.close();
      if (openTracker != null) {
        openTracker.close();
      }
      if (serve != null) {
        serve.nginx().close();
      }
      if (serveProcesses != null) {
        serveProcesses.close();
      }
    }
  }

  /** One short unreported wrk run per server, so the JIT has compiled the hot paths before round 1. */
  private void warmUp(Sides sides, CompareRun shared) throws Exception {
    int seconds = Math.max(1, options.seconds() / 4);
    if (sides.serve != null) {
      Wrk.run(sides.serve.nginxUrl(), 1, options.connections(), seconds, null, null, pinning::onLoadCore);
      shared.warmJvm("vert.x floor", sides.serve.bareUrl(), sides.serveProcesses.pid("bare"));
      shared.warmJvm("edge", sides.serve.edgeUrl(), sides.serveProcesses.pid("edge"));
      shared.warmJvm("peer", sides.serve.peerUrl(), sides.serveProcesses.pid("peer"));
    }
    if (sides.tracker != null) {
      Wrk.run(sides.tracker.openTrackerUrl(), 1, options.connections(), seconds, null, sides.tracker.announces(),
          pinning::onLoadCore);
      Wrk.run(sides.tracker.trackerUrl(), 1, options.connections(), seconds, null, sides.tracker.lookups(),
          pinning::onLoadCore);
    }
  }

  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Deletes a directory tree, best effort. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover in a temp dir the caller deletes anyway
    }
  }
}
