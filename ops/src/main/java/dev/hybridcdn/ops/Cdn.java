package dev.hybridcdn.ops;

import dev.hybridcdn.ops.bench.BenchRunner;
import dev.hybridcdn.ops.demo.Demo;
import dev.hybridcdn.ops.demo.DemoOptions;
import dev.hybridcdn.ops.replay.EventTail;
import dev.hybridcdn.ops.replay.HistoryReader;
import dev.hybridcdn.ops.replay.Replay;
import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.HtmlReport;
import dev.hybridcdn.ops.report.JsonReport;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.ops.report.TextReport;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.StackOptions;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code cdn} command line (picocli). Exit codes: 0 done, 1 failure (message on stderr),
 * 2 invalid configuration or usage (the message names the variable or option), 3 the demo ran
 * but a check failed (failed requests, or history and players disagree).
 */
@Command(name = "cdn", mixinStandardHelpOptions = true, version = "hybrid-cdn 0.1.0", usageHelpWidth = 120,
    description = "hybrid-cdn operator tools: demo, local stack, swarm simulation, replay analysis, benchmarks.",
    commandListHeading = "%nCommands:%n",
    subcommands = {Cdn.DemoCommand.class, Cdn.UpCommand.class, Cdn.IngestCommand.class, Cdn.SwarmCommand.class,
        Cdn.ReplayCommand.class, Cdn.EventsCommand.class, Cdn.BenchCommand.class})
public final class Cdn implements Callable<Integer> {
  static final int EXIT_FAILURE = 1;
  static final int EXIT_CONFIG = 2;
  static final int EXIT_CHECK = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    quietLogs();
    System.exit(run(args));
  }

  /** Runs the command line without exiting (for tests); returns the exit code. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Cdn());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException) {
        cmd.getErr().println("cdn: " + e.getMessage());
        return EXIT_CONFIG;
      }
      if (e instanceof IllegalArgumentException) {
        cmd.getErr().println("cdn: " + e.getMessage());
        return EXIT_CONFIG;
      }
      cmd.getErr().println("cdn: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      if (System.getenv("CDN_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return EXIT_FAILURE;
    });
    return cli.execute(args);
  }

  /** Library logs at WARN (CDN_LOG_LEVEL overrides), Kafka's at ERROR: the report is the output. */
  static void quietLogs() {
    String level = System.getenv().getOrDefault("CDN_LOG_LEVEL", "warn");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.streams", "error");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }

  static Path media() {
    return StackEnv.home().resolve("media");
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Run the whole network in this JVM on the shipped tracks; report the offload.", usageHelpWidth = 120)
  static final class DemoCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "A small run, under 2 minutes (12 peers, 24 players, 20x).")
    boolean quick;
    @Option(names = "--json", description = "Print the summary as one JSON object on stdout.")
    boolean json;
    @Option(names = "--keep-running", description = "Leave the stack up after the report, until Ctrl-C.")
    boolean keepRunning;
    @Option(names = "--baseline", description = "Also run the same workload (same seed) with P2P off and compare.")
    boolean baseline;
    @Option(names = "--peers", description = "Peers at the start (default 50; quick 12).")
    Integer peers;
    @Option(names = "--players", description = "Simulated players (default 100; quick 24).")
    Integer players;
    @Option(names = "--speedup", description = "Playback speed-up (default 20).")
    Double speedup;
    @Option(names = "--seed", description = "Random seed of songs, renditions, peers and churn (default 42).")
    Long seed;
    @Option(names = "--churn", description = "Peer joins plus leaves per minute (default 20; quick 12; 0 = none).")
    Double churn;
    @Option(names = "--zipf", description = "Zipf exponent of song popularity (default 1.0).")
    Double zipf;
    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts to FILE.")
    Path html;
    @Option(names = "--media", paramLabel = "DIR", description = "Tracks to ingest (default: the repository's media/).")
    Path mediaDir;

    @Override
    public Integer call() throws Exception {
      if (peers != null && peers < 1) {
        throw new IllegalArgumentException("--peers must be at least 1: " + peers);
      }
      if (players != null && players < 1) {
        throw new IllegalArgumentException("--players must be at least 1: " + players);
      }
      if (speedup != null && !(speedup > 0)) {
        throw new IllegalArgumentException("--speedup must be above 0: " + speedup);
      }
      Path data = Files.createTempDirectory("cdn-demo-");
      Path mediaPath = mediaDir != null ? mediaDir : media();
      DemoOptions o = quick ? DemoOptions.quick(data, mediaPath) : DemoOptions.full(data, mediaPath);
      SwarmOptions s = o.swarm();
      if (players != null) {
        s = s.withPlayers(players);
      }
      if (speedup != null) {
        s = s.withSpeedup(speedup);
      }
      if (seed != null) {
        s = s.withSeed(seed);
      }
      if (churn != null) {
        s = s.withChurn(churn, s.crashShare(), s.minLivePeers());
      }
      if (zipf != null) {
        s = s.withZipf(zipf);
      }
      o = o.withSwarm(s).withBaseline(baseline).withKeepRunning(keepRunning);
      if (peers != null) {
        o = o.withPeers(peers);
      }
      PrintStream progress = System.err;
      Demo demo = new Demo(o, progress);
      boolean keep = keepRunning;
      Thread hook = new Thread(() -> {
        if (keep) {
          StackEnv.clear(); // the stack this file names is going away
        }
        demo.close();
      }, "demo-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        Demo.Outcome out = demo.run();
        print(out, json, System.out);
        if (html != null) {
          HtmlReport.write(html, out.hybrid().report(), out.hybrid().latency());
          progress.println("• report with charts written to " + html.toAbsolutePath());
        }
        if (keepRunning) {
          printUrls(out, demo.stack(), progress);
          StackEnv.write(demo.stack().env());
          new CountDownLatch(1).await(); // until Ctrl-C: the shutdown hook stops the stack
        }
        boolean ok = out.hybrid().players().failures() == 0 && out.hybrid().historyMatches();
        return ok ? 0 : EXIT_CHECK;
      } finally {
        if (!keepRunning) {
          demo.close();
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException e) {
            // already shutting down
          }
        }
      }
    }
  }

  /** Prints the demo report: the text tables, or with {@code json} one JSON object. */
  public static void print(Demo.Outcome out, boolean json, PrintStream stdout) {
    Demo.Phase h = out.hybrid();
    if (json) {
      Map<String, Object> doc = JsonReport.mapper().convertValue(h.report(), LinkedHashMap.class);
      doc.put("historyRequestsByTier", h.history().requestsByTier());
      doc.put("historyBytesByTier", h.history().bytesByTier());
      doc.put("historyMatches", h.historyMatches());
      doc.put("songs", out.songs());
      doc.put("churn", Map.of("joins", h.swarm().joins(), "cleanLeaves", h.swarm().cleanLeaves(),
          "crashes", h.swarm().crashes()));
      doc.put("swarmWallTimeMs", h.swarm().wallTime().toMillis());
      doc.put("wallTimeMs", out.wallTime().toMillis());
      doc.put("peakRssBytes", out.peakRssBytes());
      if (out.baseline() != null) {
        doc.put("baseline", JsonReport.mapper().convertValue(out.baseline().report(), LinkedHashMap.class));
      }
      stdout.println(JsonReport.write(doc));
      return;
    }
    stdout.println();
    stdout.println(TextReport.render(h.report()));
    stdout.printf(Locale.ROOT, "History check: the event history %s the players per tier (%s)%n",
        h.historyMatches() ? "agrees with" : "DIFFERS from", h.history().requestsByTier());
    stdout.printf(Locale.ROOT, "Churn by the simulation: %d joins, %d clean leaves, %d crashes%n",
        h.swarm().joins(), h.swarm().cleanLeaves(), h.swarm().crashes());
    stdout.printf(Locale.ROOT, "Songs: %s%nWall time %.1f s (swarm %.1f s), peak memory %s%n", out.songs(),
        out.wallTime().toMillis() / 1000.0, h.swarm().wallTime().toMillis() / 1000.0,
        TextReport.bytes(out.peakRssBytes()));
    if (out.baseline() != null) {
      stdout.println();
      stdout.println(TextReport.comparison(out.baseline().report(), h.report()));
    }
    if (h.players().failures() > 0) {
      stdout.println("FAILED REQUESTS:");
      h.swarm().failures().stream().limit(20).forEach(f -> stdout.println("  " + f));
    }
  }

  static void printUrls(Demo.Outcome out, LocalStack stack, PrintStream err) {
    Map<String, String> env = stack.env();
    err.println();
    err.println("The stack keeps running (Ctrl-C stops it). Services:");
    for (String k : List.of("ORIGIN_URL", "EDGE_URLS", "TRACKER_URL", "TOPOLOGY_URL", "KAFKA_BOOTSTRAP_SERVERS",
        "REDIS_URL")) {
      err.printf("  %-24s %s%n", k, env.get(k));
    }
    err.printf("  %-24s 127.0.0.1:%s (user postgres, password postgres)%n", "PostgreSQL", env.get("PGPORT"));
    String peers = env.getOrDefault("PEER_URLS", "");
    String firstPeer = peers.isEmpty() ? stack.originUrl() : peers.split(",")[0];
    err.printf("  %-24s %s%n", "peers", peers.replace(",", " "));
    if (!out.songs().isEmpty()) {
      err.printf("%nPlay through a peer:  ffplay %s/hls/%s/master.m3u8%n", firstPeer, out.songs().get(0));
      err.printf("(or open it in VLC; events: ./cdn events tail delivery-events)%n");
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "up", mixinStandardHelpOptions = true,
      description = "Start the local stack on the default ports; stay up until Ctrl-C.", usageHelpWidth = 120)
  static final class UpCommand implements Callable<Integer> {
    @Option(names = "--peers", description = "Peers to start from port 9000 (default 5).")
    int peers = 5;
    @Option(names = "--no-ingest", description = "Do not ingest the shipped tracks.")
    boolean noIngest;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data of the embedded servers (default .cdn/data, wiped at start).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      Path data = dataDir != null ? dataDir : StackEnv.ensureDir().resolve("data");
      Demo.deleteTreeQuietly(data);
      PrintStream err = System.err;
      LocalStack stack = LocalStack.start(StackOptions.of(data, true), line -> err.println("• " + line));
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        err.println("• stopping");
        StackEnv.clear();
        stack.close();
        stopped.countDown();
      }, "up-shutdown"));
      List<String> songs = new ArrayList<>();
      if (!noIngest) {
        stack.ingest(LocalStack.mediaFiles(media()), line -> err.println("• " + line))
            .forEach(r -> songs.add(r.manifest().songId()));
      }
      LocalStack.Delivery d = stack.startDelivery("", peers, true);
      StackEnv.write(stack.env());
      err.println();
      err.println("Stack up (Ctrl-C or SIGTERM stops it). Variables for other commands are in " + StackEnv.file());
      stack.env().forEach((k, v) -> err.printf("  %-24s %s%n", k, v));
      if (!songs.isEmpty() && !d.peers().isEmpty()) {
        err.printf("%nPlay through a peer:  ffplay %s/hls/%s/master.m3u8%n", d.peers().get(0).baseUrl(), songs.get(0));
      }
      stopped.await();
      return 0;
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Add a song to a running stack (FFmpeg -> HLS in PostgreSQL).", usageHelpWidth = 120)
  static final class IngestCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "An audio file FFmpeg decodes (mp3, wav, flac, ...).")
    Path file;
    @Option(names = "--song", required = true, description = "Song id, [a-z0-9][a-z0-9_-]{0,63}.")
    String song;
    @Option(names = "--title", description = "Title (default: the song id).")
    String title;

    @Override
    public Integer call() {
      if (!Ids.isSongId(song)) {
        throw new IllegalArgumentException("--song must match [a-z0-9][a-z0-9_-]{0,63}: " + song);
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("no such file: " + file);
      }
      OriginConfig config = OriginConfig.from(new Env(StackEnv.load()));
      try (Ingester ingester = Ingester.start(config)) {
        IngestResult r = ingester.ingest(file, song, title);
        System.out.printf(Locale.ROOT, "ingested %s (%d s of audio, renditions %s) in %.1f s%n", r.manifest().songId(),
            r.manifest().durationMs() / 1000, r.manifest().renditions().stream().map(x -> x.name()).toList(),
            r.totalMs() / 1000.0);
      }
      return 0;
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "swarm", mixinStandardHelpOptions = true,
      description = "Run simulated players (Zipf songs, paced playback) against a stack.", usageHelpWidth = 120)
  static final class SwarmCommand implements Callable<Integer> {
    @Option(names = "--origin", description = "Catalogue URL (GET /songs); default ORIGIN_URL.")
    String origin;
    @Option(names = "--peers", split = ",", description = "Peer base URLs; default PEER_URLS, else the tracker's /peers.")
    List<String> peerUrls;
    @Option(names = "--tracker", description = "Tracker URL to list live peers; default TRACKER_URL.")
    String tracker;
    @Option(names = "--players", description = "Players (default 20).")
    int players = 20;
    @Option(names = "--speedup", description = "Playback speed-up (default 20).")
    double speedup = 20;
    @Option(names = "--seed", description = "Random seed (default 42).")
    long seed = 42;
    @Option(names = "--zipf", description = "Zipf exponent (default 1.0).")
    double zipf = 1.0;
    @Option(names = "--songs", description = "Songs per player (default 1).")
    int songs = 1;
    @Option(names = "--max-segments", description = "Segments played per song, 0 = all (default 0).")
    int maxSegments;
    @Option(names = "--rendition", description = "Rendition every player picks (default: random).")
    String rendition;
    @Option(names = "--json", description = "Print the players' summary as JSON.")
    boolean json;
    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts to FILE.")
    Path html;

    @Override
    public Integer call() throws Exception {
      Env env = new Env(StackEnv.load());
      String originUrl = origin != null ? origin : env.httpUrl("ORIGIN_URL", "http://127.0.0.1:8081");
      List<PeerRef> peers = peers(env);
      if (peers.isEmpty()) {
        throw new IllegalArgumentException("no peers: pass --peers URL,URL or --tracker URL");
      }
      SwarmOptions o = SwarmOptions.defaults().withPlayers(players).withSpeedup(speedup).withSeed(seed).withZipf(zipf)
          .withSongs(songs, maxSegments).withRendition(rendition).withRamp(Duration.ofSeconds(Math.min(10, players)));
      System.err.printf("• %d players against %d peers, catalogue %s%n", players, peers.size(), originUrl);
      Swarm.Result result;
      try (Swarm swarm = new Swarm(originUrl, new PeerDirectory(peers), null, o)) {
        result = swarm.run();
      }
      DeliveryAnalysis a = result.analysis();
      Summary s = a.summary(10);
      System.out.println(json ? JsonReport.render(s) : TextReport.render(s));
      if (html != null) {
        HtmlReport.write(html, s, a.allLatency());
      }
      return s.failures() == 0 ? 0 : EXIT_CHECK;
    }

    private List<PeerRef> peers(Env env) throws Exception {
      List<PeerRef> out = new ArrayList<>();
      List<String> urls = peerUrls != null ? peerUrls : env.httpUrls("PEER_URLS", null);
      if (!urls.isEmpty()) {
        for (String u : urls) {
          java.net.URI uri = java.net.URI.create(u.strip());
          out.add(new PeerRef(uri.getHost() + ":" + uri.getPort(), "unknown", u.strip().replaceAll("/$", "")));
        }
        return out;
      }
      String trackerUrl = tracker != null ? tracker : env.httpUrl("TRACKER_URL", "http://127.0.0.1:7070");
      Vertx vertx = Vertx.vertx();
      try {
        var r = WebClient.create(vertx).getAbs(trackerUrl + "/peers").timeout(10_000).send().await();
        if (r.statusCode() != 200) {
          throw new IllegalStateException("GET " + trackerUrl + "/peers answered " + r.statusCode());
        }
        JsonArray list = r.bodyAsJsonObject().getJsonArray("peers");
        for (int i = 0; i < list.size(); i++) {
          JsonObject p = list.getJsonObject(i);
          out.add(new PeerRef(p.getString("peerId"), p.getString("region"), p.getString("baseUrl")));
        }
        return out;
      } finally {
        vertx.close().await();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Delivery tables of a period, from the event history in Kafka.", usageHelpWidth = 120)
  static final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--from", description = "Start: ISO instant (2026-01-31T10:00:00Z) or a duration ago (15m, 2h, 1d).")
    String from;
    @Option(names = "--to", description = "End: ISO instant or a duration ago (default now).")
    String to;
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrap;
    @Option(names = "--prefix", description = "Topic prefix (default TOPIC_PREFIX, else cdn.).")
    String prefix;
    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;
    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts to FILE.")
    Path html;
    @Option(names = "--top", description = "Uploading peers listed (default 10).")
    int top = 10;

    @Override
    public Integer call() {
      Map<String, String> vars = new LinkedHashMap<>(StackEnv.load());
      if (bootstrap != null) {
        vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
      }
      if (prefix != null) {
        vars.put("TOPIC_PREFIX", prefix);
      }
      CommonConfig common = CommonConfig.from(new Env(vars));
      Instant f = from == null ? null : instant("--from", from);
      Instant t = to == null ? null : instant("--to", to);
      HistoryReader reader = new HistoryReader(common.kafkaBootstrapServers(), common.topics(), Duration.ofSeconds(60));
      DeliveryAnalysis a = Replay.analyse(reader, f, t);
      Summary s = a.summary(top);
      System.out.println(json ? JsonReport.render(s) : TextReport.render(s));
      if (html != null) {
        HtmlReport.write(html, s, a.allLatency());
        System.err.println("• report with charts written to " + html.toAbsolutePath());
      }
      return 0;
    }
  }

  /**
   * An ISO-8601 instant, or a duration before now: {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}.
   *
   * @throws IllegalArgumentException naming the option when the text is neither
   */
  static Instant instant(String option, String text) {
    var m = java.util.regex.Pattern.compile("(\\d+)([smhd])").matcher(text.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      return Instant.now().minus(d);
    }
    try {
      return Instant.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + " must be an ISO instant (2026-01-31T10:00:00Z) or a duration ago "
          + "(90s, 15m, 2h, 1d): " + text);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "events", mixinStandardHelpOptions = true, description = "Print events of a topic as JSON lines (events tail TOPIC).", usageHelpWidth = 120,
      subcommands = {TailCommand.class})
  static final class EventsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(System.out);
      return 0;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Print each event of TOPIC as one JSON line (Avro JSON), as it arrives.", usageHelpWidth = 120)
  static final class TailCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TOPIC", description = "peer-events, segment-events, link-events, peer-expirations, "
        + "delivery-events, edge-events, catalog (or a full name such as cdn.peer-events).")
    String topic;
    @Option(names = "--from-beginning", description = "Start at the oldest event instead of new ones.")
    boolean fromBeginning;
    @Option(names = "--max", description = "Stop after this many events (default: never).")
    long max;
    @Option(names = "--idle-exit", paramLabel = "SECONDS", description = "Stop after this long without an event.")
    Long idleSeconds;
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrap;
    @Option(names = "--prefix", description = "Topic prefix (default TOPIC_PREFIX, else cdn.).")
    String prefix;

    @Override
    public Integer call() {
      Map<String, String> vars = new LinkedHashMap<>(StackEnv.load());
      if (bootstrap != null) {
        vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
      }
      if (prefix != null) {
        vars.put("TOPIC_PREFIX", prefix);
      }
      CommonConfig common = CommonConfig.from(new Env(vars));
      EventTail tail = new EventTail(common.kafkaBootstrapServers(), new TopicRegistry(common.topicPrefix()));
      Runtime.getRuntime().addShutdownHook(new Thread(tail::stop, "tail-stop"));
      tail.tail(topic, fromBeginning, max, idleSeconds == null ? null : Duration.ofSeconds(idleSeconds), System.out);
      return 0;
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = "Run a module's benchmark: cdn bench list | cdn bench NAME [ARGS...].", usageHelpWidth = 120)
  static final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "list, or a benchmark's class name.", defaultValue = "list")
    String name;
    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments of the benchmark.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (name.equals("list")) {
        BenchRunner.list().forEach(System.out::println);
        return 0;
      }
      BenchRunner.run(name, args.toArray(new String[0]));
      return 0;
    }
  }
}
