package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.demo.DemoOptions;
import dev.hybridcdn.ops.stack.NetworkOption;
import dev.hybridcdn.ops.swarm.PlayerOptions;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cdn eval}: the seed report's evaluation under an emulated network, traditional CDN vs
 * hybrid (and our peers with P2P off).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Seed's section 6 under an emulated network: hybrid vs traditional CDN, seed's tables beside ours.")
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "A small run (12 peers, 24 players, 8 segments each, 2 tracks).")
  boolean quick;
  @Option(names = "--json", description = "Print the report as one JSON object on stdout.")
  boolean json;
  @Option(names = "--html", paramLabel = "FILE", description = "Also write the tables and charts to FILE.")
  Path html;
  @Option(names = "--peers", description = "Peers (default 50; quick 12).")
  Integer peers;
  @Mixin
  PlayerOptions playerOptions; // --players (100; quick 24), --speedup (eval: 4), --seed, --zipf
  @Option(names = "--scale", split = ",", paramLabel = "N,N,...",
      description = "Instead: table 6.1.3, peers hosted in this JVM measured while serving, e.g. 10,50,100,160.")
  List<Integer> scale;
  @Option(names = "--partitions", split = ",", paramLabel = "N,N,...",
      description = "Instead: table 6.2.2, partitions of N peers cut off and healed, e.g. 5,20,50 (detection and rejoin).")
  List<Integer> partitions;
  @Mixin
  NetworkOption network;
  @Option(names = "--no-warmup", description = "Measure from a cold JVM: no unmeasured warm-up phase first.")
  boolean noWarmup;

  /** The full run: 50 peers, 100 players over 60 s, whole songs, hls.js ABR, 4x, no churn. */
  public static DemoOptions full(Path data, Path media) {
    DemoOptions o = DemoOptions.full(data, media);
    SwarmOptions s = o.swarm().withChurn(0, 0.5, 2).withRendition(null).withSpeedup(4).withRamp(Duration.ofSeconds(60));
    return o.withSwarm(s);
  }

  /** The quick run: 12 peers, 24 players over 20 s, 8 segments each of the 2 shortest tracks, ABR, 4x, no churn. */
  public static DemoOptions quick(Path data, Path media) {
    DemoOptions o = DemoOptions.quick(data, media);
    SwarmOptions s = o.swarm().withChurn(0, 0.5, 2).withRendition(null).withSpeedup(4);
    return o.withSwarm(s);
  }

  /** The run's facts for a report of its own (--scale, --partitions). */
  private static Map<String, Object> runInfo(String modelName, String what, List<Integer> counts, long t0) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("date", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    run.put("machine", Evaluation.machine());
    run.put("network", modelName);
    run.put(what, counts);
    run.put("wallTimeS", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    return run;
  }

  @Override
  public Integer call() throws Exception {
    if (peers != null && peers < 2) {
      throw new IllegalArgumentException("--peers must be at least 2: " + peers);
    }
    playerOptions.validate();
    var model = network.modelOrDefault(); // a bad model stops here, before anything starts
    Path data = Files.createTempDirectory("cdn-eval-");
    DemoOptions o = quick ? quick(data, StackEnv.media()) : full(data, StackEnv.media());
    o = o.withSwarm(playerOptions.applyTo(o.swarm())).withNetwork(model);
    if (peers != null) {
      o = o.withPeers(peers);
    }
    String modelName = network.toString();
    EvalReport report;
    if (partitions != null && !partitions.isEmpty()) {
      if (partitions.stream().anyMatch(n -> n < 1 || n > 500)) {
        throw new IllegalArgumentException("--partitions takes partition sizes of 1 to 500 peers: " + partitions);
      }
      if (model == null) {
        throw new IllegalArgumentException("--partitions needs an emulated network (not --network none)");
      }
      long t0 = System.nanoTime();
      PartitionRun.Outcome cut;
      try {
        cut = PartitionRun.run(data, StackEnv.media(), model, partitions, o.swarm(), System.err);
      } finally {
        dev.hybridcdn.ops.demo.Demo.deleteTreeQuietly(data);
      }
      report = new EvalReport(List.of(cut.table()), Map.of(), Map.of("failures", (double) cut.failures()),
          runInfo(modelName, "partitions", partitions, t0));
    } else if (scale != null && !scale.isEmpty()) {
      if (scale.stream().anyMatch(n -> n < 2 || n > 5000)) {
        throw new IllegalArgumentException("--scale takes peer counts of 2 to 5000: " + scale);
      }
      long t0 = System.nanoTime();
      ScaleRun.Outcome scaled;
      try {
        scaled = ScaleRun.run(data, StackEnv.media(), model, scale, o.swarm(), System.err);
      } finally {
        dev.hybridcdn.ops.demo.Demo.deleteTreeQuietly(data);
      }
      report = new EvalReport(List.of(scaled.table()), Map.of(), Map.of("failures", (double) scaled.failures()),
          runInfo(modelName, "peerCounts", scale, t0));
    } else {
      report = Evaluation.run(o, modelName, System.err, !noWarmup);
    }
    System.out.println(json ? EvalRender.json(report) : EvalRender.text(report));
    if (html != null) {
      try {
        Files.writeString(html, EvalRender.html(report), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("could not write " + html, e);
      }
      System.err.println("• evaluation with charts written to " + html.toAbsolutePath());
    }
    return report.figures().get("failures") == 0 ? 0 : Cdn.EXIT_CHECK;
  }
}
