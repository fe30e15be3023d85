package dev.hybridcdn.peer.bench;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.kafka.LoopbackPorts;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmarks of issue 7 (not timed tests), printing their figures:
 * <ul>
 *   <li>{@code latency}: P2P fetch of a 160 KB segment from a holder on loopback, as one pipeline
 *       attempt does it (GET with {@code X-CDN-Peer-Request}, body, SHA-256 check); p50/p99/p99.9
 *       in ms over sequential requests after a warm-up. Target p50 &lt; 2 ms, p99 &lt; 10 ms.</li>
 *   <li>{@code rate}: requests/s of a peer serving a cached 160 KB segment next to nginx serving
 *       the same bytes, both measured by {@code wrk} in the same run (nginx: own config, free port,
 *       temp dir, one worker like the peer's one event loop). Target peer &ge; 0.7x nginx.</li>
 *   <li>{@code heap}: heap per hosted peer with N peers (default 500) in one JVM, excluding cached
 *       bytes (caches empty): used heap after a full GC, before and after starting them. Target &lt; 1 MB.</li>
 * </ul>
 * Kafka is not needed: events stay in the bounded buffer (overflow counted), as with a broker away.
 *
 * <p>Run: {@code ./cdn bench PeerBench [latency|rate|heap|all] [peers]}
 */
public final class PeerBench {
  static final int SEGMENT_BYTES = 160 * 1024;
  static final String SEGMENT = "bench/128k/seg00000.ts";

  private PeerBench() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "all";
    int peers = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    if (what.equals("latency") || what.equals("all")) {
      latency(Integer.getInteger("bench.requests", 20_000));
    }
    if (what.equals("rate") || what.equals("all")) {
      rate(Integer.getInteger("bench.seconds", 5), Integer.getInteger("bench.connections", 4));
    }
    if (what.equals("heap") || what.equals("all")) {
      heap(peers);
    }
    System.exit(0);
  }

  static PeerHostConfig hostConfig(int count) throws IOException {
    return PeerHostConfig.from(new Env(Map.of("PEER_COUNT", String.valueOf(count), "HTTP_PORT", "0",
        "BIND_HOST", "127.0.0.1", "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + deadPort(), "TOPICS_TIMEOUT_MS", "0",
        "EDGE_URLS", "http://127.0.0.1:" + deadPort(), "TRACKER_URL", "http://127.0.0.1:" + deadPort(),
        "PROBE_MS", "600000", "READ_AHEAD", "0")));
  }

  static Buffer segmentBytes() {
    byte[] b = new byte[SEGMENT_BYTES];
    new Random(7).nextBytes(b);
    return Buffer.buffer(b);
  }

  /** P2P fetch latency of a 160 KB segment from a holder. */
  static void latency(int requests) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (PeerHost host = PeerHost.start(vertx, hostConfig(1))) {
      HostedPeer holder = host.peers().get(0);
      Buffer bytes = segmentBytes();
      String sha = SegmentFetcher.sha256(bytes);
      host.peer(holder.id()).cache().put(CachedSegment.offHeap(SEGMENT, bytes, sha));
      WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setTcpNoDelay(true));
      String url = holder.baseUrl() + "/segments/" + SEGMENT;
      for (int i = 0; i < 2000; i++) {
        fetchOnce(client, url, sha);
      }
      long[] nanos = new long[requests];
      for (int i = 0; i < requests; i++) {
        long t0 = System.nanoTime();
        fetchOnce(client, url, sha);
        nanos[i] = System.nanoTime() - t0;
      }
      Arrays.sort(nanos);
      System.out.printf("p2p-fetch-160KB requests=%d p50=%.3f ms p99=%.3f ms p99.9=%.3f ms max=%.3f ms "
              + "(targets p50<2 ms, p99<10 ms)%n", requests, ms(pct(nanos, 50)), ms(pct(nanos, 99)),
          ms(pct(nanos, 99.9)), ms(nanos[nanos.length - 1]));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void fetchOnce(WebClient client, String url, String sha) throws Exception {
    HttpResponse<Buffer> r = client.getAbs(url).putHeader(CdnHeaders.PEER_REQUEST, "bench-requester")
        .send().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    if (r.statusCode() != 200 || !SegmentFetcher.sha256(r.body()).equals(sha)) {
      throw new IllegalStateException("holder answered " + r.statusCode());
    }
  }

  /** Serving rate of a peer vs nginx for the same cached 160 KB segment, measured by wrk. */
  static void rate(int seconds, int connections) throws Exception {
    Path dir = Files.createTempDirectory("peer-bench-nginx");
    Buffer bytes = segmentBytes();
    Path file = dir.resolve("www/segments/" + SEGMENT);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes.getBytes());
    int nginxPort = LoopbackPorts.free();
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          sendfile on;
          tcp_nopush on;
          keepalive_requests 1000000;
          client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp; fastcgi_temp_path %1$s/tmp;
          uwsgi_temp_path %1$s/tmp; scgi_temp_path %1$s/tmp;
          server {
            listen 127.0.0.1:%2$d;
            location / { root %1$s/www; default_type video/mp2t; }
          }
        }
        """.formatted(dir, nginxPort), StandardCharsets.UTF_8);
    Files.createDirectories(dir.resolve("tmp"));
    String nginx = Files.exists(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
    ProcessBuilder pb = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", conf.toString()).inheritIO();
    if ("root".equals(System.getProperty("user.name"))) {
      // as root, nginx workers would switch to "nobody", who cannot read the private temp dir
      Files.writeString(conf, "user root;\n" + Files.readString(conf));
    }
    Process nginxProcess = pb.start();
    Vertx vertx = Vertx.vertx();
    try (PeerHost host = PeerHost.start(vertx, hostConfig(1))) {
      HostedPeer peer = host.peers().get(0);
      host.peer(peer.id()).cache().put(CachedSegment.offHeap(SEGMENT, bytes, SegmentFetcher.sha256(bytes)));
      waitForPort(nginxPort);
      String nginxUrl = "http://127.0.0.1:" + nginxPort + "/segments/" + SEGMENT;
      String peerUrl = peer.baseUrl() + "/segments/" + SEGMENT;
      wrk(nginxUrl, 2, connections, null); // warm-up
      wrk(peerUrl, 2, connections, null);
      // Interleaved rounds: the machine is shared, so each server sees the same background load.
      int rounds = Integer.getInteger("bench.rounds", 3);
      double n = 0;
      double player = 0;
      double upload = 0;
      for (int r = 0; r < rounds; r++) {
        n += wrk(nginxUrl, seconds, connections, null) / rounds;
        player += wrk(peerUrl, seconds, connections, null) / rounds;
        upload += wrk(peerUrl, seconds, connections, CdnHeaders.PEER_REQUEST + ": bench") / rounds;
      }
      System.out.printf("serve-160KB connections=%d rounds of %ds nginx=%.0f req/s peer(player, local hit)=%.0f req/s "
              + "(%.2fx) peer(upload to a peer)=%.0f req/s (%.2fx) (target >= 0.7x)%n", connections, seconds, n, player,
          player / n, upload, upload / n);
      System.out.printf("events dropped while the broker was away: %d%n", host.publisher().droppedCount());
    } finally {
      nginxProcess.destroy();
      nginxProcess.waitFor(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static double wrk(String url, int seconds, int connections, String header) throws Exception {
    ProcessBuilder pb = header == null
        ? new ProcessBuilder("wrk", "-t", "1", "-c", String.valueOf(connections), "-d", seconds + "s", url)
        : new ProcessBuilder("wrk", "-t", "1", "-c", String.valueOf(connections), "-d", seconds + "s", "-H", header,
            url);
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("wrk said: " + out);
    }
    if (out.contains("Non-2xx")) {
      System.out.println("wrk saw non-2xx answers for " + url + ":\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /** Heap per hosted peer with {@code count} peers, caches empty. */
  static void heap(int count) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (PeerHost host = PeerHost.start(vertx, hostConfig(0))) {
      PeerConfig template = host.config().template();
      // one peer first, so classes and shared pools are loaded before the baseline
      host.startPeer(template.withIdentity("warm", "local", 0));
      long before = usedHeapAfterGc();
      for (int i = 0; i < count; i++) {
        host.startPeer(template.withIdentity("bench-" + i, "local", 0));
      }
      long after = usedHeapAfterGc();
      System.out.printf("heap-per-peer peers=%d total=%.1f MB per-peer=%.1f KB (target < 1024 KB)%n", count,
          (after - before) / 1048576.0, (after - before) / 1024.0 / count);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200); // let the collector and finalisation settle: a benchmark, not a test
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  private static int deadPort() throws IOException {
    return LoopbackPorts.free();
  }

  private static void waitForPort(int port) throws InterruptedException {
    long until = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < until) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("nginx did not listen on " + port);
  }
}
