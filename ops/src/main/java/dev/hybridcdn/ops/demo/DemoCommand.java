package dev.hybridcdn.ops.demo;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.report.JsonReport;
import dev.hybridcdn.ops.report.ReportOptions;
import dev.hybridcdn.ops.report.TextReport;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.stack.NetworkOption;
import dev.hybridcdn.ops.swarm.PlayerOptions;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.ops.token.TokenCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cdn demo}: the whole network in this JVM, the swarm against it, the report. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole network in this JVM on the shipped tracks; report the offload.", usageHelpWidth = 120)
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "A small run, under 2 minutes (12 peers, 24 players, 20x).")
  boolean quick;
  @Option(names = "--keep-running", description = "Leave the stack up after the report, until Ctrl-C.")
  boolean keepRunning;
  @Option(names = "--baseline", description = "Also run the same workload (same seed) with P2P off and compare.")
  boolean baseline;
  @Option(names = "--auth", description = "Player tokens on: edges and peers want a signed token (a random "
      + "PLAYER_TOKEN_SECRET; the simulated players sign theirs, cdn token and the web player too).")
  boolean auth;
  @Option(names = "--peers", description = "Peers at the start (default 50; quick 12).")
  Integer peers;
  @Option(names = "--churn", description = "Peer joins plus leaves per minute (default 20; quick 12; 0 = none).")
  Double churn;
  @Mixin
  PlayerOptions playerOptions;
  @Mixin
  ReportOptions report;
  @Mixin
  NetworkOption network;
  @Option(names = "--media", paramLabel = "DIR", description = "Tracks to ingest (default: the repository's media/).")
  Path mediaDir;

  @Override
  public Integer call() throws Exception {
    if (peers != null && peers < 1) {
      throw new IllegalArgumentException("--peers must be at least 1: " + peers);
    }
    playerOptions.validate(); // before the data directory exists
    Path data = Files.createTempDirectory("cdn-demo-");
    Path mediaPath = mediaDir != null ? mediaDir : StackEnv.media();
    DemoOptions o = quick ? DemoOptions.quick(data, mediaPath) : DemoOptions.full(data, mediaPath);
    SwarmOptions s = playerOptions.applyTo(o.swarm());
    if (churn != null) {
      s = s.withChurn(churn, s.crashShare(), s.minLivePeers());
    }
    o = o.withSwarm(s).withBaseline(baseline).withKeepRunning(keepRunning).withAuth(auth);
    if (network.given()) {
      o = o.withNetwork(network.modelOrDefault());
    }
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
      print(out, report.json(), System.out);
      report.writeHtml(out.hybrid().report(), out.hybrid().latency(), progress);
      if (keepRunning) {
        printUrls(out, demo.stack(), progress);
        StackEnv.write(demo.stack().env());
        new CountDownLatch(1).await(); // until Ctrl-C: the shutdown hook stops the stack
      }
      boolean ok = out.hybrid().players().failures() == 0 && out.hybrid().historyMatches();
      return ok ? 0 : Cdn.EXIT_CHECK;
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
          "crashes", h.swarm().crashes(), "playerFailovers", h.swarm().failovers()));
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
    stdout.printf(Locale.ROOT, "Churn by the simulation: %d joins, %d clean leaves, %d crashes (any peer; players"
        + " failed over %d requests to another pathway)%n",
        h.swarm().joins(), h.swarm().cleanLeaves(), h.swarm().crashes(), h.swarm().failovers());
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
    for (String k : List.of("DASHBOARD_URL", "ORIGIN_URL", "EDGE_URLS", "TRACKER_URL", "TOPOLOGY_URL",
        "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")) {
      err.printf("  %-24s %s%n", k, env.get(k));
    }
    err.printf("  %-24s 127.0.0.1:%s (user postgres, password postgres)%n", "PostgreSQL", env.get("PGPORT"));
    String peers = env.getOrDefault("PEER_URLS", "");
    String firstPeer = peers.isEmpty() ? stack.originUrl() : peers.split(",")[0];
    err.printf("  %-24s %s%n", "peers", peers.replace(",", " "));
    if (!out.songs().isEmpty()) {
      String song = out.songs().get(0);
      err.printf("%nPlay through a peer:  ffplay '%s%s%s'%n", firstPeer, CdnPaths.master(song),
          TokenCommand.query(stack.playerTokens(), song));
      err.printf("(or open it in VLC, or in the web player %s/player.html; events: ./cdn events tail delivery-events)%n",
          env.get("DASHBOARD_URL"));
    }
    err.printf("%nLive dashboard:  %s/%n", env.get("DASHBOARD_URL"));
  }
}
