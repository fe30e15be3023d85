package dev.hybridcdn.edge.bench;

import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.bench.StaticNginx;
import dev.hybridcdn.ops.bench.Wrk;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Hot-tier benchmark (issue 4): requests/s and p99 of the edge serving one ~160 KB segment from
 * its Redis hot tier, next to nginx serving the same bytes as a static file, both measured by
 * {@code wrk} in the same run. Target: edge at least 0.5x nginx's requests/s.
 *
 * <p>What runs: a stand-in origin (a Vert.x server with a one-segment manifest; it is asked once),
 * a real {@link EdgeServer} using Redis and PostgreSQL from the environment ({@code REDIS_URL},
 * {@code PG*}, {@code KAFKA_BOOTSTRAP_SERVERS}; events are dropped and counted when no broker
 * answers, their encoding is still paid), and {@code nginx} with its own config, pid and logs in a
 * temporary directory, on a free loopback port, stopped afterwards. The edge is warmed (MISS, then
 * HIT-MEMORY checked) and its JIT warmed by a short wrk run before the measured one. Two edges are
 * measured: one as configured by default (its near cache in front of Redis), and one with the near
 * cache off, so every request reads Redis.
 *
 * <p>Usage: {@code ./cdn bench HotTierBench [--seconds 10] [--connections 32] [--threads 2] [--bytes 163840] [--rounds 3] [--warmup 20]}. Prints one line per server
 * and the ratio. Needs {@code wrk} and {@code nginx} on the PATH.
 */
public final class HotTierBench {
  static final String SEGMENT = "bench/128k/seg00000.ts";

  /** One wrk measurement: requests per second and 99th percentile latency in ms. */
  public record Figures(String server, double requestsPerSecond, double p99Ms, String raw) {}

  private HotTierBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
    int connections = Integer.parseInt(opts.getOrDefault("connections", "32"));
    int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
    int bytes = Integer.parseInt(opts.getOrDefault("bytes", "163840"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "20"));
    List<Figures> figures = run(seconds, connections, threads, bytes, rounds, warmup, System.getenv());
    Figures nginx = figures.get(2);
    System.out.printf(Locale.ROOT, "segment %d bytes, wrk -t%d -c%d -d%ds, median of %d rounds%n", bytes, threads,
        connections, seconds, rounds);
    for (Figures f : figures) {
      System.out.printf(Locale.ROOT, "%-16s %10.0f req/s   p99 %8.2f ms   %.2fx nginx%n", f.server(),
          f.requestsPerSecond(), f.p99Ms(), f.requestsPerSecond() / nginx.requestsPerSecond());
    }
    System.out.println("target: edge >= 0.50x nginx requests/s");
  }

  /**
   * Runs the whole benchmark.
   *
   * @param rounds measured rounds per server (alternating); the median round is reported
   * @param warmupSeconds total wrk time spent warming the JIT before measuring
   * @param environment edge environment (Redis, PostgreSQL, Kafka); HTTP port, origin and ids are set here
   * @return figures of the edge as configured (near cache on), of an edge reading Redis on every
   *     hit ({@code EDGE_NEAR_CACHE_BYTES=0}), then of nginx
   * @throws IllegalStateException when wrk or nginx cannot run, or the edge does not serve from Redis
   */
  public static List<Figures> run(int seconds, int connections, int threads, int bytes, int rounds, int warmupSeconds,
      Map<String, String> environment) throws Exception {
    byte[] segment = new byte[bytes];
    new Random(42).nextBytes(segment);
    String sha = SegmentService.sha256(Buffer.buffer(segment));
    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("edge-bench-");
    StaticNginx nginx = null;
    HttpServer origin = null;
    try {
      origin = standInOrigin(vertx, segment, sha);
      Map<String, String> env = new HashMap<>(environment);
      env.put("HTTP_PORT", "0");
      env.put("ORIGIN_URL", "http://127.0.0.1:" + origin.actualPort());
      env.putIfAbsent("EDGE_EVENT_LOOPS", Integer.toString(Runtime.getRuntime().availableProcessors()));
      Map<String, String> near = new HashMap<>(env);
      near.put("EDGE_ID", "bench-edge");
      near.put("EDGE_REDIS_KEY_PREFIX", "cdn:bench:near:");
      Map<String, String> redisOnly = new HashMap<>(env);
      redisOnly.put("EDGE_ID", "bench-edge-redis");
      redisOnly.put("EDGE_REDIS_KEY_PREFIX", "cdn:bench:redis-only:");
      redisOnly.put("EDGE_NEAR_CACHE_BYTES", "0");
      try (EdgeServer edge = EdgeServer.start(EdgeConfig.from(new Env(near)));
          EdgeServer edgeRedis = EdgeServer.start(EdgeConfig.from(new Env(redisOnly)))) {
        String edgeUrl = "http://127.0.0.1:" + edge.port() + "/segments/" + SEGMENT;
        String redisUrl = "http://127.0.0.1:" + edgeRedis.port() + "/segments/" + SEGMENT;
        for (String url : List.of(edgeUrl, redisUrl)) {
          expectCache(url, null, bytes); // MISS, or a hit left by an earlier run
          expectCache(url, "HIT-MEMORY", bytes);
        }
        nginx = StaticNginx.start(dir, Map.of("segments/" + SEGMENT, segment), "auto");
        String nginxUrl = nginx.url() + "/segments/" + SEGMENT;

        // JIT warm-up, not reported: on a busy machine the compiler threads need a while.
        for (String url : List.of(edgeUrl, redisUrl, edgeUrl, redisUrl, nginxUrl)) {
          wrk(Math.max(1, warmupSeconds / 4), connections, threads, url);
        }
        // Rounds alternate the three servers so a change in machine load hits all of them alike;
        // each server's median round is reported, and the ratios of each round.
        List<Figures> es = new ArrayList<>();
        List<Figures> rs = new ArrayList<>();
        List<Figures> ns = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
          Figures e = parse("edge", wrk(seconds, connections, threads, edgeUrl));
          Figures r = parse("edge-redis-only", wrk(seconds, connections, threads, redisUrl));
          Figures n = parse("nginx", wrk(seconds, connections, threads, nginxUrl));
          System.out.printf(Locale.ROOT, "  round %d: edge %.0f, edge-redis-only %.0f, nginx %.0f req/s;"
                  + " ratios %.2f, %.2f%n", round + 1, e.requestsPerSecond(), r.requestsPerSecond(),
              n.requestsPerSecond(), e.requestsPerSecond() / n.requestsPerSecond(),
              r.requestsPerSecond() / n.requestsPerSecond());
          es.add(e);
          rs.add(r);
          ns.add(n);
        }
        expectCache(edgeUrl, "HIT-MEMORY", bytes);
        expectCache(redisUrl, "HIT-MEMORY", bytes);
        return List.of(median(es), median(rs), median(ns));
      }
    } finally {
      if (nginx != null) {
        nginx.close();
      }
      if (origin != null) {
        origin.close().await(5, TimeUnit.SECONDS);
      }
      vertx.close().await(5, TimeUnit.SECONDS);
      deleteTree(dir);
    }
  }

  static HttpServer standInOrigin(Vertx vertx, byte[] segment, String sha) throws Exception {
    JsonObject manifest = new JsonObject().put("songId", "bench").put("title", "bench").put("durationMs", 10_000)
        .put("renditions", new JsonArray().add(new JsonObject().put("name", "128k").put("bitrateKbps", 128)
            .put("codec", "mp4a.40.2").put("playlist", "/hls/bench/128k/playlist.m3u8")
            .put("segments", new JsonArray().add(new JsonObject().put("segmentId", SEGMENT).put("index", 0)
                .put("durationMs", 10_000).put("bytes", segment.length).put("sha256", sha)))));
    Buffer body = Buffer.buffer(segment);
    return vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/songs/bench" -> req.response().putHeader("Content-Type", "application/json").end(manifest.encode());
        case "/segments/" + SEGMENT -> req.response().putHeader("Content-Type", "video/mp2t").end(body);
        case "/ping" -> req.response().end("{}");
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static void expectCache(String url, String expected, int bytes) throws Exception {
    HttpResponse<byte[]> r = StackEnv.clientBuilder(Duration.ofSeconds(5)).build()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    String cache = r.headers().firstValue("X-Cache").orElse("");
    if (r.statusCode() != 200 || r.body().length != bytes || (expected != null && !cache.equals(expected))) {
      throw new IllegalStateException("edge answered " + r.statusCode() + " X-Cache " + cache + " with "
          + r.body().length + " bytes; expected 200 " + expected + " (is Redis at REDIS_URL up?)");
    }
  }

  private static Wrk.Result wrk(int seconds, int connections, int threads, String url) throws Exception {
    return Wrk.run(url, threads, connections, seconds, null, null);
  }

  private static Figures median(List<Figures> rounds) {
    List<Figures> sorted = new ArrayList<>(rounds);
    sorted.sort(java.util.Comparator.comparingDouble(Figures::requestsPerSecond));
    return sorted.get(sorted.size() / 2);
  }

  static Figures parse(String server, Wrk.Result r) {
    return new Figures(server, r.requestsPerSecond(), r.p99Ms(), r.raw());
  }

  /** {@code --name value} pairs of a bench's arguments as a map (name without the dashes). */
  public static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(walk.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
