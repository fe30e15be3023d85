package dev.hybridcdn.peer.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.bench.HotTierBench;
import dev.hybridcdn.edge.bench.PlayerTokenBench;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a player's request for a segment its peer holds costs the peer's JVM (issue 19 item 2), the
 * peer's counterpart of {@code EdgeHotPathBench}: one real peer ({@link PeerHost}, one event loop)
 * serves a cached 160 KB segment ({@code X-CDN-Source: local}) to a blocking HTTP/1.1 client on one
 * keep-alive connection; per round, the heap bytes allocated and the CPU time used by every thread but
 * the client's ({@code com.sun.management.ThreadMXBean}), divided by the requests, the young
 * collections, and the requests' p50 and p99. CPU time per request is the figure that matters on a
 * core shared with the load generator, and it moves less with the machine's load than a rate does.
 * Kafka, edges and tracker are dead ports (events are made, signed if admitted, and dropped; read-ahead
 * off), so the figures are the serving path's own.
 *
 * <p>Usage: {@code ./cdn bench PeerHotPathBench [--requests 20000] [--rounds 5]}. To measure an older
 * build of the peer, put its classes first on the class path (peer-vertx README "Hot path").
 */
public final class PeerHotPathBench {
  /**
   * One round.
   *
   * @param bytesPerRequest heap bytes allocated per request outside the client's thread
   * @param cpuMicrosPerRequest CPU time per request of every thread but the client's, microseconds
   * @param youngGcs collections during the round
   */
  public record Round(double bytesPerRequest, double cpuMicrosPerRequest, long youngGcs, double p50Ms,
      double p99Ms) {}

  private PeerHotPathBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = HotTierBench.options(args);
    int requests = Integer.parseInt(opts.getOrDefault("requests", "20000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
    Round[] result = run(requests, rounds);
    System.out.printf(Locale.ROOT, "segment %d bytes from the peer's cache, %d sequential requests per round on one"
        + " connection%n", PeerBench.SEGMENT_BYTES, requests);
    for (int r = 0; r < result.length; r++) {
      System.out.printf(Locale.ROOT, "  round %d: %,.0f bytes allocated and %.1f us CPU per request, %d GCs,"
          + " p50 %.3f ms, p99 %.3f ms%n", r + 1, result[r].bytesPerRequest(), result[r].cpuMicrosPerRequest(),
          result[r].youngGcs(), result[r].p50Ms(), result[r].p99Ms());
    }
    System.exit(0);
  }

  /** Runs the benchmark: a warm-up of max(5,000, requests / 2) unreported requests, then the rounds. */
  public static Round[] run(int requests, int rounds) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (PeerHost host = PeerHost.start(vertx, PeerBench.hostConfig(1))) {
      HostedPeer peer = host.peers().get(0);
      Buffer bytes = PeerBench.segmentBytes();
      host.peer(peer.id()).cache().put(CachedSegment.offHeap(PeerBench.SEGMENT, bytes, SegmentFetcher.sha256(bytes)));
      try (PlayerTokenBench.Client client = new PlayerTokenBench.Client(
          Integer.parseInt(peer.baseUrl().substring(peer.baseUrl().lastIndexOf(':') + 1)),
          CdnPaths.segment(PeerBench.SEGMENT))) {
        for (int i = 0; i < Math.max(5000, requests / 2); i++) {
          client.expect200(bytes.length());
        }
        Round[] out = new Round[rounds];
        for (int r = 0; r < rounds; r++) {
          out[r] = round(client, requests, bytes.length());
        }
        return out;
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  private static Round round(PlayerTokenBench.Client client, int requests, int bytes) throws IOException {
    long gcs = youngGcs();
    long[] before = byOthers();
    long[] ns = new long[requests];
    for (int i = 0; i < requests; i++) {
      long t0 = System.nanoTime();
      client.expect200(bytes);
      ns[i] = System.nanoTime() - t0;
    }
    long[] after = byOthers();
    Arrays.sort(ns);
    return new Round((after[0] - before[0]) / (double) requests, (after[1] - before[1]) / 1000.0 / requests,
        youngGcs() - gcs, ns[requests / 2] / 1e6, ns[(int) (requests * 0.99)] / 1e6);
  }

  /** Heap bytes allocated and CPU ns used so far by every live thread but this one (the client). */
  private static long[] byOthers() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long me = Thread.currentThread().getId();
    long[] ids = Arrays.stream(threads.getAllThreadIds()).filter(id -> id != me).toArray();
    long allocated = Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
    long cpu = Arrays.stream(ids).map(threads::getThreadCpuTime).filter(t -> t > 0).sum();
    return new long[] {allocated, cpu};
  }

  private static long youngGcs() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().filter(b -> !b.getName().contains("Old"))
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }
}
