package dev.hybridcdn.ops.demo;

import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.replay.Replay;
import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.MediaFiles;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.ops.stack.NatProbe;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code cdn demo}: the whole network on real audio in this JVM. Starts the local stack, ingests
 * the shipped tracks, starts two edges and N peers, runs the player swarm with churn, then reads
 * the event history of the run back from Kafka and reports what the players saw next to what the
 * history says (they must agree per tier). With {@code --baseline} the same workload (same seed)
 * runs again on fresh edges and peers with P2P off.
 */
public final class Demo implements AutoCloseable {
  private final DemoOptions options;
  private final PrintStream progress;
  private final SwarmOptions warmUp;
  private LocalStack stack;
  private Delivery liveDelivery;

  /**
   * One swarm run on one delivery tier.
   *
   * @param name {@code hybrid} or {@code cdn-only}
   * @param players the players' own counts
   * @param history the same period read back from the event history
   * @param report players' counts with the history's hops, edges, uploaders and churn
   * @param latency every answered segment's latency as the players measured it, microseconds
   * @param historyMatches true when the history has exactly the players' answered segments per tier
   * @param swarm joins, leaves, crashes and wall time of the swarm
   * @param hedges the peers' urgent hedges (peers that left with churn not counted)
   * @param natRelays what the peers asked of the NAT'd peers through relays (issue 15; same caveat)
   * @param natProbe after the players: each NAT'd peer asked for segments it holds through relays
   *     ({@code NatProbe}); null for the warm-up, without P2P or without an emulated network
   * @param fetches the running peers' fetch ledgers added up when the players ended ({@link
   *     Delivery#fetchLedger}: {@code bytes.<purpose>.<tier>} = bytes of segments fetched and kept;
   *     before the NAT probe); empty without P2P
   */
  public record Phase(String name, Summary players, Summary history, Summary report, Histogram latency,
      boolean historyMatches, Swarm.Result swarm, Delivery.Hedges hedges, Delivery.NatRelays natRelays,
      NatProbe.Result natProbe, Map<String, Long> fetches) {}

  private static final String WARM_UP = "warm-up";
  /** Segments {@code NatProbe} asks of each NAT'd peer, and its bound per attempt (ms). */
  public static final int NAT_PROBE_SEGMENTS = 12;
  public static final long NAT_PROBE_BOUND_MS = 4000;

  /**
   * What the demo did.
   *
   * @param hybrid the P2P run
   * @param baseline the CDN-only run, or null
   * @param songs song ids ingested
   * @param wallTime whole demo, from start to report
   * @param peakRssBytes peak resident memory of this JVM (VmHWM), or peak heap when unknown
   * @param urls service URLs (while the stack runs)
   */
  public record Outcome(Phase hybrid, Phase baseline, List<String> songs, Duration wallTime, long peakRssBytes,
      Map<String, String> urls) {}

  public Demo(DemoOptions options, PrintStream progress) {
    this(options, progress, null);
  }

  /**
   * @param warmUp a workload played once on a hybrid tier of its own before the measured phases,
   *     its figures discarded, or null for none: the first phase would otherwise also pay the JVM's
   *     warm-up (JIT, class loading) and a cold origin, which the later phases do not (measured:
   *     local cache hits of the first phase 47-1300 ms on average against 4-9 ms in the second)
   */
  public Demo(DemoOptions options, PrintStream progress, SwarmOptions warmUp) {
    this.options = options;
    this.progress = progress;
    this.warmUp = warmUp;
  }

  /** Runs the demo; the stack stays up afterwards only with {@code keepRunning} (then call {@link #close()}). */
  public Outcome run() throws InterruptedException {
    long t0 = System.nanoTime();
    step("starting Kafka (KRaft), PostgreSQL and Redis, embedded, on free ports under " + options.dataDir());
    stack = LocalStack.start(new StackOptions(options.dataDir(), false, List.of("eu-west", "us-east"), "cdn.",
        32L << 20, 1, null, options.network(), null, options.auth() ? TrustSettings.newSecret() : null, null),
        this::step);
    List<Path> media = media();
    step("ingesting " + media.size() + " tracks from " + options.mediaDir() + " (FFmpeg -> HLS 64k/128k/192k)");
    List<String> songs = stack.ingest(media, this::step).stream().map(r -> r.manifest().songId()).toList();
    if (warmUp != null) {
      phase(WARM_UP, "warm-", true, false, warmUp); // figures discarded
    }
    Phase hybrid = phase("hybrid", "", true);
    Phase baseline = null;
    if (options.baseline()) {
      baseline = phase("cdn-only", "cdn-", false);
    }
    Map<String, String> urls = new LinkedHashMap<>();
    if (options.keepRunning()) {
      urls.putAll(stack.env());
    }
    return new Outcome(hybrid, baseline, songs, Duration.ofNanos(System.nanoTime() - t0), peakRss(), urls);
  }

  /**
   * After {@link #run()}: the same workload (same seed) on a traditional CDN, two fresh edges and
   * no peer, each player fetching from its region's edge directly, on the machine (address, links)
   * of the hybrid's peer it would attach to.
   */
  public Phase traditionalCdn() throws InterruptedException {
    if (stack == null) {
      throw new IllegalStateException("traditionalCdn() runs after run(), on its stack");
    }
    return phase("traditional-cdn", "tcdn-", false, true, options.swarm());
  }

  private List<Path> media() {
    List<Path> files = MediaFiles.list(options.mediaDir());
    if (files.isEmpty()) {
      throw new IllegalStateException("no *.mp3 in " + options.mediaDir());
    }
    if (options.songLimit() > 0 && files.size() > options.songLimit()) {
      files = MediaFiles.smallest(files, options.songLimit()).stream().sorted().toList();
    }
    return files;
  }

  private Phase phase(String name, String idPrefix, boolean p2p) throws InterruptedException {
    return phase(name, idPrefix, p2p, false, options.swarm());
  }

  /**
   * @param edgesOnly a traditional CDN: no peers, players on their region's edge
   * @param workload the players of this phase
   */
  private Phase phase(String name, String idPrefix, boolean p2p, boolean edgesOnly, SwarmOptions workload)
      throws InterruptedException {
    step(edgesOnly ? String.format(Locale.ROOT, "[%s] starting 2 edges, no peers (players fetch from their region's edge)",
        name) : String.format(Locale.ROOT, "[%s] starting 2 edges and %d peers (P2P %s)", name, options.peers(),
        p2p ? "on" : "off"));
    long startMs = System.currentTimeMillis();
    Delivery delivery = edgesOnly ? stack.startEdgesOnly(idPrefix, options.peers())
        : stack.startDelivery(idPrefix, options.peers(), p2p);
    step(String.format(Locale.ROOT, "[%s] edges %s, peers %s .. %s", name, delivery.edgeUrls(),
        delivery.peers().get(0).baseUrl(), delivery.peers().get(delivery.peers().size() - 1).baseUrl()));
    PeerDirectory directory = new PeerDirectory(delivery.peers());
    Swarm.Result result;
    step(String.format(Locale.ROOT, "[%s] %d players, Zipf s=%.1f, %.0fx speed-up, seed %d, churn %.0f/min",
        name, workload.players(), workload.zipfExponent(), workload.speedup(), workload.seed(),
        workload.churnPerMinute()));
    try (Swarm swarm = new Swarm(stack.originUrl(), directory, edgesOnly ? null : delivery, workload,
        stack.clientTls(), stack.playerTokens())) {
      Thread ticker = progressTicker(name, swarm, directory);
      try {
        result = swarm.run();
      } finally {
        ticker.interrupt();
      }
    }
    long endMs = System.currentTimeMillis();
    Delivery.Hedges hedges = delivery.hedges();
    Delivery.NatRelays natRelays = delivery.natRelays();
    // The peers' own downloads as the players left them, before the NAT probe adds its fetches.
    Map<String, Long> fetches = p2p ? delivery.fetchLedger() : Map.of();
    NatProbe.Result natProbe = null;
    if (p2p && !edgesOnly && stack.network() != null && !name.equals(WARM_UP)) {
      natProbe = delivery.probeNatPeers(NAT_PROBE_SEGMENTS, NAT_PROBE_BOUND_MS);
      step(String.format(Locale.ROOT, "[%s] NAT'd peers (%d) asked for %d segments they hold through relays: %d delivered %s",
          name, natProbe.natPeers(), natProbe.asked(), natProbe.delivered(), natProbe.failures()));
    }
    if (p2p) {
      // Why the peers' downloads came from where they came (peer-vertx FetchLedger; issue 13's P2P share).
      step(String.format(Locale.ROOT, "[%s] peers' fetches: %s", name, fetches));
    }
    if (options.keepRunning() && p2p) {
      liveDelivery = delivery;
    } else {
      delivery.close(); // flushes the peers' and edges' buffered events
    }
    DeliveryAnalysis players = result.analysis();
    Summary playersSummary = players.summary(10);
    HistoryReader reader = new HistoryReader(stack.kafkaBootstrapServers(), new TopicRegistry("cdn."),
        Duration.ofSeconds(30));
    long deadline = System.nanoTime() + options.historyWait().toNanos();
    Summary history;
    boolean matches;
    while (true) {
      history = Replay.analyse(reader, Instant.ofEpochMilli(startMs), Instant.ofEpochMilli(endMs)).summary(10);
      // Edges emit no SegmentDelivered (peers do): a traditional CDN's history is the edges' EdgeServed,
      // complete once it holds at least the bytes the players received.
      matches = edgesOnly ? history.edge() != null && history.edge().bytes() >= playersSummary.bytesDelivered()
          : history.requestsByTier().equals(playersSummary.requestsByTier())
              && history.bytesByTier().equals(playersSummary.bytesByTier());
      if (matches || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(500); // events are still on their way to Kafka; poll the history again
    }
    step(String.format(Locale.ROOT, "[%s] %d segments %s, %d failed requests in %.1f s; history %s the players",
        name, playersSummary.requests(), playersSummary.requestsByTier(), playersSummary.failures(),
        result.wallTime().toMillis() / 1000.0, matches ? "agrees with" : "DIFFERS from"));
    return new Phase(name, playersSummary, history, merge(playersSummary, history), players.allLatency(), matches,
        result, hedges, natRelays, natProbe, fetches);
  }

  /** The players' figures with what only the history knows: hops, edges, uploaders, churn. */
  static Summary merge(Summary p, Summary h) {
    return new Summary("players+history", p.fromMs(), p.toMs(), p.requests(), p.failures(), p.requestsByTier(),
        p.bytesByTier(), p.bytesDelivered(), p.uniqueBytes(), p.originBytes(), p.hitRatio(), p.p2pHitRatio(),
        p.p2pShare(), p.offload(), p.latencyMsByTier(), h.latencyMsByHops(), h.latencyMsByP2pHops(), p.latencyMsAll(), h.edge(),
        h.topUploaders(), h.peers(), mergeTimeline(p.timeline(), h.timeline()));
  }

  /** Bytes from the players' timeline, joins/leaves/expiries from the history's, on the players' buckets. */
  private static Summary.Timeline mergeTimeline(Summary.Timeline p, Summary.Timeline h) {
    List<Summary.Bucket> out = new ArrayList<>();
    for (Summary.Bucket b : p.buckets()) {
      long joins = 0;
      long leaves = 0;
      long expiries = 0;
      for (Summary.Bucket hb : h.buckets()) {
        long mid = hb.startMs() + h.bucketMs() / 2;
        if (mid >= b.startMs() && mid < b.startMs() + p.bucketMs()) {
          joins += hb.joins();
          leaves += hb.leaves();
          expiries += hb.expiries();
        }
      }
      out.add(new Summary.Bucket(b.startMs(), b.bytesByTier(), joins, leaves, expiries));
    }
    return new Summary.Timeline(p.bucketMs(), out);
  }

  private Thread progressTicker(String name, Swarm swarm, PeerDirectory directory) {
    long t0 = System.nanoTime();
    Thread t = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(2000); // progress display period
          progress.printf(Locale.ROOT, "  [%s %5.1fs] players done %d/%d, segments %d, %.1f MiB, failed %d, live peers %d%n",
              name, (System.nanoTime() - t0) / 1e9, swarm.playersDone(), options.swarm().players(),
              swarm.segmentsDone(), swarm.bytesDone() / 1048576.0, swarm.failedSoFar(), directory.live().size());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "demo-progress");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void step(String line) {
    progress.println("• " + line);
  }

  /** The stack while it runs (null before {@link #run()}). */
  public LocalStack stack() {
    return stack;
  }

  /** Peak resident set of this process (Linux {@code VmHWM}), else the heap's peak use, bytes. */
  static long peakRss() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmHWM:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElseGet(Demo::peakHeap);
    } catch (IOException | RuntimeException e) {
      return peakHeap();
    }
  }

  private static long peakHeap() {
    return java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage() == null ? 0 : p.getPeakUsage().getUsed()).sum();
  }

  /** Stops everything still running and deletes the data directory. */
  @Override
  public void close() {
    if (liveDelivery != null) {
      liveDelivery.close();
      liveDelivery = null;
    }
    if (stack != null) {
      stack.close();
      stack = null;
    }
    deleteTreeQuietly(options.dataDir());
  }

  /** Deletes a directory tree, best effort (a file still open is left behind). */
  public static void deleteTreeQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a file still held open is left behind in the temp directory
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
