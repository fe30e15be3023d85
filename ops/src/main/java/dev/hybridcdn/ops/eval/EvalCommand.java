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

  /**
   * A table measured in a run of its own ({@code --scale}, {@code --partitions}): the run's data
   * directory is deleted afterwards, and the report names the run's date, machine, model and counts.
   *
   * @param run the table and its failed requests (or missed peers)
   */
  private static EvalReport ownRun(Path data, String modelName, String what, List<Integer> counts,
      Callable<Map.Entry<EvalTable, Long>> run) throws Exception {
    long t0 = System.nanoTime();
    Map.Entry<EvalTable, Long> out;
    try {
      out = run.call();
    } finally {
      dev.hybridcdn.ops.demo.Demo.deleteTreeQuietly(data);
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("date", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    info.put("machine", Evaluation.machine());
    info.put("network", modelName);
    info.put(what, counts);
    info.put("wallTimeS", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    return new EvalReport(List.of(out.getKey()), Map.of(), Map.of("failures", (double) out.getValue()), info);
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
    SwarmOptions swarm = o.swarm();
    EvalReport report;
    if (partitions != null && !partitions.isEmpty()) {
      if (partitions.stream().anyMatch(n -> n < 1 || n > 500)) {
        throw new IllegalArgumentException("--partitions takes partition sizes of 1 to 500 peers: " + partitions);
      }
      if (model == null) {
        throw new IllegalArgumentException("--partitions needs an emulated network (not --network none)");
      }
      report = ownRun(data, modelName, "partitions", partitions, () -> {
        PartitionRun.Outcome cut = PartitionRun.run(data, StackEnv.media(), model, partitions, swarm, System.err);
        return Map.entry(cut.table(), cut.failures());
      });
    } else if (scale != null && !scale.isEmpty()) {
      if (scale.stream().anyMatch(n -> n < 2 || n > 5000)) {
        throw new IllegalArgumentException("--scale takes peer counts of 2 to 5000: " + scale);
      }
      report = ownRun(data, modelName, "peerCounts", scale, () -> {
        ScaleRun.Outcome scaled = ScaleRun.run(data, StackEnv.media(), model, scale, swarm, System.err);
        return Map.entry(scaled.table(), scaled.failures());
      });
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
