package dev.hybridcdn.origin.bench;

import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Origin benchmarks, configured by the same environment as the origin ({@link OriginConfig}):
 *
 * <pre>
 * OriginBench ingest FILE [RUNS]            ingest speed: seconds of audio per wall second, all renditions
 * OriginBench serve FILE [SECONDS] [CONNS]  hot 128k segment served by the origin: requests/s and p99 ms
 * </pre>
 *
 * {@code serve} ingests FILE as song {@code bench} once, starts an origin on a free port, warms the
 * segment into the hot cache, then loads {@code /segments/bench/128k/seg00001.ts} with {@code wrk}
 * ({@code -t2 -c CONNS -d SECONDS --latency}) when it is on PATH, else with a Vert.x HTTP client
 * keeping CONNS requests in flight. Needs PostgreSQL and Kafka as configured.
 */
public final class OriginBench {
  private OriginBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: OriginBench ingest FILE [RUNS] | serve FILE [SECONDS] [CONNECTIONS]");
      System.exit(2);
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("HTTP_PORT", "0");
    OriginConfig config = OriginConfig.from(new Env(env));
    Path file = Path.of(args[1]);
    switch (args[0]) {
      case "ingest" -> ingest(config, file, args.length > 2 ? Integer.parseInt(args[2]) : 3);
      case "serve" -> serve(config, file, args.length > 2 ? Integer.parseInt(args[2]) : 10,
          args.length > 3 ? Integer.parseInt(args[3]) : 32);
      default -> {
        System.err.println("unknown benchmark " + args[0]);
        System.exit(2);
      }
    }
    System.exit(0);
  }

  /** Ingests {@code file} {@code runs} times (plus one warm-up) and prints each speed and the median. */
  static void ingest(OriginConfig config, Path file, int runs) {
    try (Ingester ingester = Ingester.start(config)) {
      ingester.ingest(file, "bench", "bench warm-up");
      double[] speeds = new double[runs];
      for (int i = 0; i < runs; i++) {
        IngestResult r = ingester.ingest(file, "bench", "bench");
        speeds[i] = r.speed();
        System.out.printf(Locale.ROOT, "ingest run %d: %.1f s of audio x %d renditions in %.2f s wall "
                + "(ffmpeg %.2f s) = %.1f s of audio per s%n", i + 1, r.manifest().durationMs() / 1000.0,
            r.manifest().renditions().size(), r.totalMs() / 1000.0, r.transcodeMs() / 1000.0, r.speed());
      }
      Arrays.sort(speeds);
      System.out.printf(Locale.ROOT, "ingest speed (median of %d): %.1f s of audio per wall second, renditions %s%n",
          runs, speeds[runs / 2], config.renditions());
    }
  }

  /** Serves a hot 128k segment under load and prints requests/s and p99 latency. */
  static void serve(OriginConfig config, Path file, int seconds, int connections) throws Exception {
    String rendition = config.renditions().contains("128k") ? "128k" : config.renditions().get(0);
    try (Ingester ingester = Ingester.start(config)) {
      Manifest m = ingester.ingest(file, "bench", "bench").manifest();
      Manifest.Segment seg = m.rendition(rendition).segments().get(Math.min(1, m.rendition(rendition).segments().size() - 1));
      try (OriginServer origin = OriginServer.start(config)) {
        String url = origin.baseUrl() + "/segments/" + seg.segmentId();
        System.out.printf(Locale.ROOT, "serving %s (%d bytes) from %s%n", seg.segmentId(), seg.bytes(), url);
        String wrk = onPath("wrk");
        if (wrk != null) {
          runWrk(wrk, url, seconds, connections);
        } else {
          runVertx(origin.port(), "/segments/" + seg.segmentId(), seconds, connections);
        }
      }
    }
  }

  private static void runWrk(String wrk, String url, int seconds, int connections) throws IOException, InterruptedException {
    List<String> cmd = List.of(wrk, "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", url);
    System.out.println("$ " + String.join(" ", cmd));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(seconds + 60L, TimeUnit.SECONDS);
    System.out.print(out);
    Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
    Matcher p99 = Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)").matcher(out);
    if (rps.find() && p99.find()) {
      double ms = Double.parseDouble(p99.group(1)) * switch (p99.group(2)) {
        case "us" -> 0.001;
        case "s" -> 1000.0;
        default -> 1.0;
      };
      System.out.printf(Locale.ROOT, "origin hot segment (wrk, %d connections): %.0f requests/s, p99 %.2f ms%n",
          connections, Double.parseDouble(rps.group(1)), ms);
    }
  }

  private static void runVertx(int port, String path, int seconds, int connections) {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
          .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong done = new AtomicLong();
      List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Void> all = new CompletableFuture<>();
      AtomicLong active = new AtomicLong(connections);
      for (int i = 0; i < connections; i++) {
        vertx.runOnContext(v -> loop(client, path, end, done, latencies, active, all));
      }
      all.orTimeout(seconds + 60L, TimeUnit.SECONDS).join();
      long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      double p99 = l.length == 0 ? 0 : l[(int) Math.min(l.length - 1, Math.ceil(l.length * 0.99) - 1)] / 1e6;
      System.out.printf(Locale.ROOT, "origin hot segment (Vert.x client, %d in flight): %.0f requests/s, p99 %.2f ms%n",
          connections, done.get() / (double) seconds, p99);
    } finally {
      vertx.close();
    }
  }

  private static void loop(HttpClient client, String path, long end, AtomicLong done, List<Long> latencies,
      AtomicLong active, CompletableFuture<Void> all) {
    if (System.nanoTime() >= end) {
      if (active.decrementAndGet() == 0) {
        all.complete(null);
      }
      return;
    }
    long t0 = System.nanoTime();
    Future<?> f = client.request(HttpMethod.GET, path).compose(req -> req.send()).compose(res -> res.body());
    f.onComplete(ar -> {
      if (ar.succeeded()) {
        latencies.add(System.nanoTime() - t0);
        done.incrementAndGet();
      }
      loop(client, path, end, done, latencies, active, all);
    });
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (!dir.isBlank() && f.isFile() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }
}
