package dev.hybridcdn.edge.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What one hot segment request costs the edge's JVM (issue 19 item 1): a real {@link EdgeServer} (one
 * event loop) serves one cached segment from its near cache ({@code HIT-MEMORY}) to a blocking HTTP/1.1
 * client on one keep-alive connection; per round, the heap bytes allocated by every thread but the
 * client's ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}, the figure JMH's
 * {@code -prof gc} reads) divided by the requests, the young collections, and the p50 and p99 of the
 * requests. The segment's own bytes are off-heap, so a copy of them would show as about its size per
 * request.
 *
 * <p>Redis from {@code REDIS_URL} (key prefix {@code cdn:bench:hot:<run>:}); PostgreSQL is not used;
 * Kafka from the environment or absent (events then dropped and counted, their making still paid).
 *
 * <p>Usage: {@code ./cdn bench EdgeHotPathBench [--requests 20000] [--rounds 5] [--bytes 163840]}.
 */
public final class EdgeHotPathBench {
  /**
   * One round.
   *
   * @param bytesPerRequest heap bytes allocated per request outside the client's thread
   * @param youngGcs collections during the round
   */
  public record Round(double bytesPerRequest, long youngGcs, double p50Ms, double p99Ms) {}

  private EdgeHotPathBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = HotTierBench.options(args);
    int requests = Integer.parseInt(opts.getOrDefault("requests", "20000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
    int bytes = Integer.parseInt(opts.getOrDefault("bytes", "163840"));
    Round[] result = run(requests, rounds, bytes, System.getenv());
    System.out.printf(Locale.ROOT, "segment %d bytes from the edge's near cache, %d sequential requests per round"
        + " on one connection%n", bytes, requests);
    for (int r = 0; r < result.length; r++) {
      System.out.printf(Locale.ROOT, "  round %d: %,.0f bytes allocated per request, %d GCs, p50 %.3f ms, p99 %.3f ms%n",
          r + 1, result[r].bytesPerRequest(), result[r].youngGcs(), result[r].p50Ms(), result[r].p99Ms());
    }
  }

  /**
   * Runs the benchmark.
   *
   * @param environment edge environment (Redis, Kafka); ports, origin, ids and PostgreSQL are set here
   */
  public static Round[] run(int requests, int rounds, int bytes, Map<String, String> environment) throws Exception {
    byte[] segment = new byte[bytes];
    new Random(42).nextBytes(segment);
    String sha = SegmentService.sha256(Buffer.buffer(segment));
    Vertx vertx = Vertx.vertx();
    HttpServer origin = null;
    try {
      origin = HotTierBench.standInOrigin(vertx, segment, sha);
      Map<String, String> env = PlayerTokenBench.nearCacheEdge(environment, origin.actualPort());
      env.put("EDGE_ID", "bench-hot");
      env.put("EDGE_REDIS_KEY_PREFIX", "cdn:bench:hot:" + Long.toHexString(System.nanoTime()) + ":");
      env.remove(PlayerTokens.SECRET);
      try (EdgeServer edge = EdgeServer.start(EdgeConfig.from(new Env(env)));
          PlayerTokenBench.Client client = new PlayerTokenBench.Client(edge.port(),
              CdnPaths.segment(HotTierBench.SEGMENT))) {
        client.expect200(bytes); // MISS: from the origin
        for (int i = 0; i < Math.max(5000, requests / 2); i++) { // JIT warm-up, not reported
          client.expect200(bytes);
        }
        Round[] out = new Round[rounds];
        for (int r = 0; r < rounds; r++) {
          out[r] = round(client, requests, bytes);
        }
        return out;
      }
    } finally {
      if (origin != null) {
        origin.close().await(5, TimeUnit.SECONDS);
      }
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  private static Round round(PlayerTokenBench.Client client, int requests, int bytes) throws IOException {
    long gcs = youngGcs();
    long allocated = allocatedByOthers();
    long[] ns = new long[requests];
    for (int i = 0; i < requests; i++) {
      long t0 = System.nanoTime();
      client.expect200(bytes);
      ns[i] = System.nanoTime() - t0;
    }
    double perRequest = (allocatedByOthers() - allocated) / (double) requests;
    Arrays.sort(ns);
    return new Round(perRequest, youngGcs() - gcs, ns[requests / 2] / 1e6, ns[(int) (requests * 0.99)] / 1e6);
  }

  /** Heap bytes allocated so far by every live thread but this one (the client). */
  private static long allocatedByOthers() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long me = Thread.currentThread().getId();
    long[] ids = Arrays.stream(threads.getAllThreadIds()).filter(id -> id != me).toArray();
    return Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
  }

  private static long youngGcs() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().filter(b -> !b.getName().contains("Old"))
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }
}
