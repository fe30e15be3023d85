package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.StackEnv;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the comparisons of one {@link Compare} run share: its options, core pinning, the report's setup
 * words and the progress lines; and the helpers more than one of them uses: wrk runs with the CPU per
 * answer of the server under test ({@link ProcessCpu}), a serving JVM's JIT warm-up, checked HTTP gets,
 * and waits for the tracker to list a segment's holders.
 */
final class CompareRun {
  private static final HttpClient HTTP = StackEnv.clientBuilder(Duration.ofSeconds(5)).build();
  /**
   * Longest JIT warm-up of a serving JVM, in measured runs' lengths: 40 s before 8 s runs (the default, the
   * cap the warm-up reached in the runs of 2026-12-02), 10 s before {@code --quick}'s 2 s, a check that every
   * row works and not a measurement.
   */
  static final int MAX_WARM_UP_RUNS = 5;
  /** Length of one warm-up run, s. */
  static final int WARM_UP_RUN_S = 2;
  /** The bench JVM's compile time per second of a warm-up run under which the stack counts as compiled. */
  static final double SETTLED_COMPILE_SHARE = 0.05;

  final Compare.Options options;
  final CorePinning pinning;
  /** The report's setup: what ran, in words. */
  final Map<String, String> setup;
  /** One line per step. */
  final Consumer<String> progress;

  CompareRun(Compare.Options options, CorePinning pinning, Map<String, String> setup, Consumer<String> progress) {
    this.options = options;
    this.pinning = pinning;
    this.setup = setup;
    this.progress = progress;
  }

  /** A measured wrk run and the server's CPU per answer during it (null where {@code /proc} cannot tell). */
  record Measured(Wrk.Result result, Double cpuUsPerRequest) {}

  /**
   * Loads a new serving JVM until its CPU per answer stops falling and the stack has compiled what the
   * load makes it run: runs of {@value #WARM_UP_RUN_S} s until one costs no more than 10% below the cheapest
   * run before (the JIT has compiled the hot path; an async-profiler run of 2026-11-30 found the C2 compiler at
   * 37% of the edge JVM's CPU over a whole bench with a fixed 4 s warm-up, and round 1 at twice round 2's
   * CPU per answer) and this JVM's compilers (the stack's: the broker and the consumers of the server's
   * events) took under {@value #SETTLED_COMPILE_SHARE} of a core in it (they took 15-37% of one during the
   * measured rounds of 2026-12-02 13:21, ops/MEASUREMENTS.md), at most {@value #MAX_WARM_UP_RUNS} times a
   * measured run's length. Where {@code /proc} cannot tell, one run of half a round.
   */
  void warmJvm(String name, String url, long pid) throws Exception {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    boolean timed = compiler != null && compiler.isCompilationTimeMonitoringSupported();
    double previous = Double.MAX_VALUE;
    int spent = 0;
    double stackCompiling = 0;
    int cap = MAX_WARM_UP_RUNS * options.seconds();
    while (spent < cap) {
      long compiled = timed ? compiler.getTotalCompilationTime() : 0;
      Double cost = measured(url, null, pid, WARM_UP_RUN_S).cpuUsPerRequest();
      spent += WARM_UP_RUN_S;
      stackCompiling = timed ? (compiler.getTotalCompilationTime() - compiled) / (WARM_UP_RUN_S * 1000.0) : 0;
      if (cost == null) {
        Wrk.run(url, 1, options.connections(), Math.max(2, options.seconds() / 2), null, null, pinning::onLoadCore);
        break;
      }
      if (cost >= 0.9 * previous && stackCompiling < SETTLED_COMPILE_SHARE) {
        break;
      }
      previous = Math.min(previous, cost);
    }
    int warmed = spent;
    String stack = String.format(java.util.Locale.ROOT, ", the stack's JIT at %.0f%% of a core in the last run",
        100 * stackCompiling);
    setup.computeIfPresent("serve", (k, v) -> v + "; the " + name + " warmed up " + warmed
        + " s, until its CPU per answer stopped falling" + (timed ? stack : ""));
    progress.accept(name + " warmed up in " + spent + " s (CPU per answer steady)");
  }

  /**
   * One measured wrk run on {@code url}, from the load core when pinned; pinned, after an unreported
   * run of a quarter of its length (at least 1 s), so every server is measured warm (its connections,
   * caches and JIT'd code) and not just after another server had the core.
   */
  Wrk.Result wrk(String url, Path script) throws Exception {
    return wrk(url, script, -1).result();
  }

  /** {@link #wrk(String, Path)} of a server whose processes are {@code pid} and its descendants (-1: not measured). */
  Measured wrk(String url, long pid) throws Exception {
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

  static HttpResponse<byte[]> get(String url, String header, String sha) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200 || !HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body()))
        .equals(sha)) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + " with " + r.body().length
          + " bytes that are not the manifest's");
    }
    return r;
  }

  static void expectHeader(HttpResponse<?> r, String name, String value, String who) {
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
  static void awaitHolders(String tracker, String segmentId, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int seen;
    while ((seen = holders(tracker, segmentId)) != n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the tracker lists " + seen + " holders of " + segmentId + ", expected " + n);
      }
      Thread.sleep(100);
    }
  }

  static void awaitAllHolders(String tracker, Manifest m, int n) throws Exception {
    for (Manifest.Segment p : m.renditions().get(0).segments()) {
      awaitHolders(tracker, p.segmentId(), n);
    }
  }
}
