package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.share.FileDownload;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.origin.ingest.Ingester;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
  /** Peers asked for in an announce ({@code numwant}) and a lookup ({@code limit}). */
  static final int PEERS_WANTED = 10;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
          get(p.baseUrl() + CdnPaths.segment(s.segmentId()), null, s.sha256());
        }
      }
      for (Manifest.Segment s : rendition.segments()) {
        awaitHolders(tracker, s.segmentId(), peers.size());
      }
      try (Sides sides = new Sides()) {
        if (run.contains("serve")) {
          sides.serveProcesses = ServeProcesses.start(stack.baseEnv(), stack.originUrl(), stack.trackerUrls(),
              work.resolve("logs"), pinning);
          sides.serve = serveSetup(sides.serveProcesses, hot);
        }
        // opentracker's port is chosen first: the torrents name it, and its whitelist names their hashes
        // ... and held (TCP and UDP, opentracker binds both) until opentracker starts: the download setup
        // starts peers on free ports meanwhile, which could otherwise be given this one.
        OpenTracker.PortHold hold = OpenTracker.PortHold.take();
        sides.portHold = hold;
        int openTrackerPort = hold.port();
        if (run.contains("download")) {
          sides.download = downloadSetup(stack, delivery, tracker, OpenTracker.announceUrl(openTrackerPort));
        }
        if (run.contains("tracker") || run.contains("download")) {
          List<String> hashes = new ArrayList<>(syntheticHashes());
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
          sides.tracker = trackerSetup(tracker, rendition, sides.openTracker);
        }
        if (sides.download != null) {
          seedSwarms(sides);
        }
        warmUp(sides);
        for (int round = 1; round <= options.rounds(); round++) {
          if (sides.serve != null) {
            pinning.benchJvmOnLoadCore(); // the stack out of the way of the server under test
            report(serveRound(round, sides.serve, sides.serveProcesses));
          }
          if (sides.tracker != null) {
            pinning.benchJvmOnServerCores(); // the tracker under test lives in this JVM
            report(trackerRound(round, sides.tracker));
          }
          pinning.release();
          if (sides.download != null) {
            report(downloadRound(round, delivery, tracker, sides.download));
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
    ServeSide serve;
    TrackerSide tracker;
    DownloadSide download;
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
        serve.nginx.close();
      }
      if (serveProcesses != null) {
        serveProcesses.close();
      }
    }
  }

  private record ServeSide(StaticNginx nginx, String nginxUrl, String edgeUrl, String peerUrl, long bytes) {}

  private record TrackerSide(String openTrackerUrl, Path announces, String trackerUrl, Path lookups) {}

  /** The file, its two contents (4 holders, 1 holder) and the matching torrents. */
  private record DownloadSide(Path file, String sha256, Manifest fourManifest, Manifest oneManifest,
      Aria2Swarm.Torrent fourTorrent, Aria2Swarm.Torrent oneTorrent, List<String> documents) {}

  // ---------------------------------------------------------------- serve

  private ServeSide serveSetup(ServeProcesses processes, Manifest.Segment hot) throws Exception {
    String path = CdnPaths.segment(hot.segmentId());
    String edgeUrl = processes.edgeUrl() + path;
    get(edgeUrl, null, hot.sha256());
    HttpResponse<byte[]> edgeHit = get(edgeUrl, null, hot.sha256());
    expectHeader(edgeHit, "X-Cache", "HIT-MEMORY", "edge");
    String peerUrl = processes.peerUrl() + path;
    get(peerUrl, null, hot.sha256()); // the peer's miss, from its edge: cached from then on
    HttpResponse<byte[]> peerHit = get(peerUrl, null, hot.sha256());
    expectHeader(peerHit, CdnHeaders.SOURCE, "local", "peer");
    // nginx serves the very bytes the edge answered, under the same path
    StaticNginx nginx = StaticNginx.start(options.workDir().resolve("nginx"),
        Map.of(path.substring(1), edgeHit.body()), Integer.toString(pinning.enabled() ? pinning.serverCores() : 1),
        pinning::onServerCores);
    String nginxUrl = nginx.url() + path;
    try {
      get(nginxUrl, null, hot.sha256());
    } catch (Exception | Error e) {
      nginx.close(); // not yet in Sides, which stops the others
      throw e;
    }
    setup.put("serve", String.format(java.util.Locale.ROOT,
        "segment %s (%d bytes); wrk -t1 -c%d -d%ds --latency; nginx: %d worker(s), sendfile; the edge (%d event"
        + " loops) and the peer (1) in a JVM each", hot.segmentId(), hot.bytes(), options.connections(),
        options.seconds(), pinning.enabled() ? pinning.serverCores() : 1, pinning.enabled() ? pinning.serverCores() : 2));
    progress.accept("nginx " + nginx.url() + " serves " + hot.segmentId());
    return new ServeSide(nginx, nginxUrl, edgeUrl, peerUrl, hot.bytes());
  }

  private List<CompareRow> serveRound(int round, ServeSide s, ServeProcesses jvms) throws Exception {
    // Pinned, only the server measured is on the server core: nginx idles without timers, a JVM does not.
    jvms.measure(null);
    Measured n = wrk(s.nginxUrl(), s.nginx().pid());
    jvms.measure("edge");
    Measured e = wrk(s.edgeUrl(), jvms.pid("edge"));
    jvms.measure("peer");
    Measured p = wrk(s.peerUrl(), jvms.pid("peer"));
    jvms.measure(null); // neither on the server core during the tracker rounds
    double nRps = n.result().requestsPerSecond();
    double nP99 = n.result().p99Ms();
    return List.of(
        new CompareRow("serve", round, "nginx, static file", true, nRps, "req/s", nP99, 1.0, null, null,
            n.result().trouble(), n.cpuUsPerRequest()),
        new CompareRow("serve", round, "edge, hot segment (HIT-MEMORY)", false, e.result().requestsPerSecond(), "req/s",
            e.result().p99Ms(), e.result().requestsPerSecond() / nRps, ">= 0.9x nginx, p99 <= 2x nginx's",
            e.result().requestsPerSecond() >= 0.9 * nRps && e.result().p99Ms() <= 2 * nP99, e.result().trouble(),
            e.cpuUsPerRequest()),
        new CompareRow("serve", round, "peer, cached segment (player, local hit)", false, p.result().requestsPerSecond(),
            "req/s", p.result().p99Ms(), p.result().requestsPerSecond() / nRps, ">= 1.0x nginx, p99 <= 2x nginx's",
            p.result().requestsPerSecond() >= nRps && p.result().p99Ms() <= 2 * nP99, p.result().trouble(),
            p.cpuUsPerRequest()));
  }

  /** A measured wrk run and the server's CPU per answer during it (null where {@code /proc} cannot tell). */
  private record Measured(Wrk.Result result, Double cpuUsPerRequest) {}

  // ---------------------------------------------------------------- tracker

  /** Info hashes of the announce load, besides the download's torrents: 16 swarms. */
  static List<String> syntheticHashes() throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      out.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(("compare-" + i).getBytes())));
    }
    return out;
  }

  private TrackerSide trackerSetup(String tracker, Manifest.Rendition rendition, OpenTracker openTracker)
      throws Exception {
    Random random = new Random(19);
    List<String> hashes = syntheticHashes();
    List<String> announces = new ArrayList<>();
    List<String> lookups = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      announces.add(OpenTracker.announcePath(hashes.get(random.nextInt(hashes.size())),
          String.format("-CP0001-%012d", random.nextInt(1_000_000)), 10000 + random.nextInt(50000), PEERS_WANTED));
      Manifest.Segment s = rendition.segments().get(random.nextInt(rendition.segments().size()));
      lookups.add(CdnPaths.segment(s.segmentId()) + "/peers?exclude=compare-" + random.nextInt(1_000_000) + "&limit="
          + PEERS_WANTED);
    }
    Path dir = options.workDir().resolve("wrk");
    Files.createDirectories(dir);
    setup.put("tracker", String.format(java.util.Locale.ROOT, "opentracker announces (16 swarms, numwant %d, "
        + "no keep-alive) vs tracker lookups (GET holders of one of %d segments, %d holders each, limit %d);"
        + " wrk -t1 -c%d -d%ds", PEERS_WANTED, rendition.segments().size(), HOLDERS, PEERS_WANTED,
        options.connections(), options.seconds()));
    return new TrackerSide(openTracker.url() + "/", Wrk.pathsScript(dir, "announces", announces), tracker + "/",
        Wrk.pathsScript(dir, "lookups", lookups));
  }

  private List<CompareRow> trackerRound(int round, TrackerSide s) throws Exception {
    Wrk.Result o = wrk(s.openTrackerUrl(), s.announces());
    Wrk.Result t = wrk(s.trackerUrl(), s.lookups());
    return List.of(
        new CompareRow("tracker", round, "opentracker, announce", true, o.requestsPerSecond(), "req/s", o.p99Ms(),
            1.0, null, null, o.trouble()),
        new CompareRow("tracker", round, "tracker, lookup (GET holders)", false, t.requestsPerSecond(), "req/s",
            t.p99Ms(), t.requestsPerSecond() / o.requestsPerSecond(),
            ">= 2x opentracker, p99 <= 5 ms (issue: at 10k peers x 20k segments)",
            t.requestsPerSecond() >= 2 * o.requestsPerSecond() && t.p99Ms() <= 5, t.trouble()));
  }

  // ---------------------------------------------------------------- download

  private DownloadSide downloadSetup(LocalStack stack, Delivery delivery, String tracker, String announceUrl)
      throws Exception {
    Path dir = options.workDir().resolve("download");
    Files.createDirectories(dir);
    Path file = dir.resolve("compare.bin");
    byte[] data = new byte[Math.toIntExact(options.fileBytes())];
    new Random(14).nextBytes(data);
    Files.write(file, data);
    data = null;
    String sha = FileDownload.sha256(file);
    // One file, two contents: pieces held by 4 peers, and by 1 peer (the 1 -> 4 shape).
    try (Ingester ingester = Ingester.start(stack.originConfig())) {
      ingester.share(file, "compare-four");
      ingester.share(file, "compare-one");
    }
    List<String> documents = new ArrayList<>(delivery.edgeUrls());
    documents.add(stack.originUrl());
    FileDownload download = new FileDownload();
    Manifest four = download.manifest(documents, "compare-four");
    Manifest one = download.manifest(documents, "compare-one");
    List<PeerRef> peers = delivery.peers();
    for (int i = 0; i < HOLDERS; i++) {
      getFile(download, four, peers.get(i).baseUrl(), dir.resolve("holder.bin"), sha);
    }
    getFile(download, one, peers.get(0).baseUrl(), dir.resolve("holder.bin"), sha);
    Files.delete(dir.resolve("holder.bin"));
    for (Manifest.Segment p : four.renditions().get(0).segments()) {
      awaitHolders(tracker, p.segmentId(), HOLDERS);
    }
    for (Manifest.Segment p : one.renditions().get(0).segments()) {
      awaitHolders(tracker, p.segmentId(), 1);
    }
    progress.accept(String.format(java.util.Locale.ROOT, "%.1f MiB file held by %d peers (compare-four) and by 1"
        + " (compare-one)", options.fileBytes() / 1048576.0, HOLDERS));
    // two torrents of the same file: mktorrent's source string makes two info hashes, two swarms
    Aria2Swarm.Torrent fourTorrent = Aria2Swarm.torrent(file, dir.resolve("four.torrent"), announceUrl,
        "compare-four", 20);
    Aria2Swarm.Torrent oneTorrent = Aria2Swarm.torrent(file, dir.resolve("one.torrent"), announceUrl,
        "compare-one", 20);
    return new DownloadSide(file, sha, four, one, fourTorrent, oneTorrent, documents);
  }

  /** Starts the aria2 swarms: 4 seeders of one torrent, 1 of the other, announced to opentracker. */
  private void seedSwarms(Sides sides) throws Exception {
    DownloadSide d = sides.download;
    Path dir = options.workDir().resolve("download");
    Aria2Swarm.Torrent four = d.fourTorrent();
    Aria2Swarm.Torrent one = d.oneTorrent();
    for (int i = 1; i <= HOLDERS; i++) {
      sides.swarm.seed(four, dir.resolve("seed-four-" + i));
    }
    sides.swarm.seed(one, dir.resolve("seed-one-1"));
    sides.openTracker.awaitSeeders(four.infoHash(), HOLDERS, Duration.ofSeconds(120));
    sides.openTracker.awaitSeeders(one.infoHash(), 1, Duration.ofSeconds(120));
    setup.put("download", String.format(java.util.Locale.ROOT, "%d-byte random file; %s: 1 MiB pieces, "
        + "DHT, LPD and PEX off; cdn get: 4 MiB pieces in 64 KiB chunks from the holders, through a fresh peer;"
        + " wall time from start to the whole file verified (last of 4 for the 1 -> 4 shape)",
        options.fileBytes(), version("aria2c")));
    progress.accept("aria2 seeders announced: " + HOLDERS + " of " + four.infoHash() + ", 1 of " + one.infoHash());
  }

  private List<CompareRow> downloadRound(int round, Delivery delivery, String tracker, DownloadSide d)
      throws Exception {
    Path dir = options.workDir().resolve("download").resolve("round-" + round);
    Aria2Swarm swarm = new Aria2Swarm();
    long aria41 = swarm.leech(d.fourTorrent(), List.of(dir.resolve("a41-1")), 600);
    long get41 = getThroughFreshPeers(delivery, d, d.fourManifest(), 1, dir.resolve("g41"));
    awaitAllHolders(tracker, d.fourManifest(), HOLDERS);
    deleteTree(dir);
    List<Path> leechers = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      leechers.add(dir.resolve("a14-" + i));
    }
    long aria14 = swarm.leech(d.oneTorrent(), leechers, 600);
    long get14 = getThroughFreshPeers(delivery, d, d.oneManifest(), 4, dir.resolve("g14"));
    awaitAllHolders(tracker, d.oneManifest(), 1);
    deleteTree(dir);
    return List.of(
        new CompareRow("download", round, "aria2, 4 seeders -> 1 leecher", true, aria41 / 1000.0, "s", null, 1.0,
            null, null, null),
        new CompareRow("download", round, "cdn get, 4 holders -> 1 peer", false, get41 / 1000.0, "s", null,
            (double) aria41 / get41, null, null, null),
        new CompareRow("download", round, "aria2, 1 seeder -> 4 leechers", true, aria14 / 1000.0, "s", null, 1.0,
            null, null, null),
        new CompareRow("download", round, "cdn get, 1 holder -> 4 peers", false, get14 / 1000.0, "s", null,
            (double) aria14 / get14, null, null, null));
  }

  /**
   * Starts {@code n} new peers and downloads {@code m} through each at once, as {@code cdn get} does
   * (manifest from an edge, pieces through the peer, every piece and the file checked); then the peers
   * leave cleanly, so the holders are as before.
   *
   * @return wall time until the last copy is verified, ms
   */
  private long getThroughFreshPeers(Delivery delivery, DownloadSide d, Manifest m, int n, Path dir)
      throws Exception {
    Files.createDirectories(dir);
    List<PeerRef> fresh = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fresh.add(delivery.join());
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> jobs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        PeerRef p = fresh.get(i);
        Path out = dir.resolve("copy-" + i + ".bin");
        jobs.add(pool.submit(() -> {
          FileDownload download = new FileDownload();
          getFile(download, download.manifest(d.documents(), m.songId()), p.baseUrl(), out, d.sha256());
          return null;
        }));
      }
      for (Future<?> j : jobs) {
        j.get();
      }
      return (System.nanoTime() - t0) / 1_000_000;
    } finally {
      pool.shutdownNow();
      for (PeerRef p : fresh) {
        delivery.leave(p.peerId(), true);
      }
    }
  }

  private static FileDownload.Result getFile(FileDownload download, Manifest m, String peerUrl, Path out,
      String sha) throws Exception {
    FileDownload.Result r = download.download(m, peerUrl, out, null);
    if (!r.sha256().equals(sha)) {
      throw new IllegalStateException("the copy through " + peerUrl + " has SHA-256 " + r.sha256() + ", not " + sha);
    }
    return r;
  }

  // ---------------------------------------------------------------- common

  /** One short unreported wrk run per server, so the JIT has compiled the hot paths before round 1. */
  private void warmUp(Sides sides) throws Exception {
    int seconds = Math.max(1, options.seconds() / 4);
    if (sides.serve != null) {
      Wrk.run(sides.serve.nginxUrl(), 1, options.connections(), seconds, null, null, pinning::onLoadCore);
      warmJvm("edge", sides.serve.edgeUrl(), sides.serveProcesses.pid("edge"));
      warmJvm("peer", sides.serve.peerUrl(), sides.serveProcesses.pid("peer"));
    }
    if (sides.tracker != null) {
      Wrk.run(sides.tracker.openTrackerUrl(), 1, options.connections(), seconds, null, sides.tracker.announces(),
          pinning::onLoadCore);
      Wrk.run(sides.tracker.trackerUrl(), 1, options.connections(), seconds, null, sides.tracker.lookups(),
          pinning::onLoadCore);
    }
  }

  /** Longest JIT warm-up of a serving JVM, s. */
  static final int MAX_WARM_UP_S = 40;
  /** Length of one warm-up run, s. */
  static final int WARM_UP_RUN_S = 2;

  /**
   * Loads a new serving JVM until its CPU per answer stops falling: runs of {@value #WARM_UP_RUN_S} s
   * until one costs no more than 10% below the run before (the JIT has compiled the hot path; an
   * async-profiler run of 2026-11-30 found the C2 compiler at 37% of the edge JVM's CPU over a whole
   * bench with a fixed 4 s warm-up, and round 1 at twice round 2's CPU per answer), at most {@value
   * #MAX_WARM_UP_S} s. Where {@code /proc} cannot tell, one run of half a round.
   */
  private void warmJvm(String name, String url, long pid) throws Exception {
    double previous = Double.MAX_VALUE;
    int spent = 0;
    while (spent < MAX_WARM_UP_S) {
      Double cost = measured(url, null, pid, WARM_UP_RUN_S).cpuUsPerRequest();
      spent += WARM_UP_RUN_S;
      if (cost == null) {
        Wrk.run(url, 1, options.connections(), Math.max(2, options.seconds() / 2), null, null, pinning::onLoadCore);
        break;
      }
      if (cost >= 0.9 * previous) {
        break;
      }
      previous = cost;
    }
    int warmed = spent;
    setup.computeIfPresent("serve", (k, v) -> v + "; the " + name + " warmed up " + warmed
        + " s, until its CPU per answer stopped falling");
    progress.accept(name + " warmed up in " + spent + " s (CPU per answer steady)");
  }

  /**
   * One measured wrk run on {@code url}, from the load core when pinned; pinned, after an unreported
   * run of a quarter of its length (at least 1 s), so every server is measured warm (its connections,
   * caches and JIT'd code) and not just after another server had the core.
   */
  private Wrk.Result wrk(String url, Path script) throws Exception {
    return wrk(url, script, -1).result();
  }

  /** {@link #wrk(String, Path)} of a server whose processes are {@code pid} and its descendants (-1: not measured). */
  private Measured wrk(String url, long pid) throws Exception {
    return wrk(url, null, pid);
  }

  private Measured wrk(String url, Path script, long pid) throws Exception {
    if (pinning.enabled()) {
      Wrk.run(url, 1, options.connections(), Math.max(1, options.seconds() / 4), null, script, pinning::onLoadCore);
    }
    return measured(url, script, pid, options.seconds());
  }

  /** One wrk run of {@code seconds} from the load core, and the CPU per answer of {@code pid}'s processes in it. */
  private Measured measured(String url, Path script, long pid, int seconds) throws Exception {
    long before = ProcessCpu.usedUs(pid);
    Wrk.Result r = Wrk.run(url, 1, options.connections(), seconds, null, script, pinning::onLoadCore);
    return new Measured(r, ProcessCpu.perRequestUs(before, ProcessCpu.usedUs(pid), r.requestsPerSecond(), seconds));
  }

  private static HttpResponse<byte[]> get(String url, String header, String sha) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200 || !HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body()))
        .equals(sha)) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + " with " + r.body().length
          + " bytes that are not the manifest's");
    }
    return r;
  }

  private static void expectHeader(HttpResponse<?> r, String name, String value, String who) {
    String got = r.headers().firstValue(name).orElse("");
    if (!got.equals(value)) {
      throw new IllegalStateException(who + " answered " + name + ": " + got + ", expected " + value);
    }
  }

  /** Holders the tracker lists for a segment (0 when it knows none). */
  static int holders(String tracker, String segmentId) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(tracker + CdnPaths.segment(segmentId)
        + "/peers?limit=50")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("holders").size() : 0;
  }

  /** Waits up to 60 s until the tracker lists exactly {@code n} holders of the segment. */
  private static void awaitHolders(String tracker, String segmentId, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int seen;
    while ((seen = holders(tracker, segmentId)) != n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the tracker lists " + seen + " holders of " + segmentId + ", expected " + n);
      }
      Thread.sleep(100);
    }
  }

  private static void awaitAllHolders(String tracker, Manifest m, int n) throws Exception {
    for (Manifest.Segment p : m.renditions().get(0).segments()) {
      awaitHolders(tracker, p.segmentId(), n);
    }
  }

  private static String version(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse(tool);
      p.waitFor();
      return first.strip();
    } catch (IOException | InterruptedException e) {
      return tool;
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
