package dev.hybridcdn.peer.bench;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import dev.hybridcdn.testkit.ThrottledLink;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 14's goal: with 4 holders whose uplinks are 5 Mbit/s each, a 1 MB segment downloads at least
 * 3x faster than from one holder. Real peers (one {@link PeerHost}: 4 holders and a requester) on
 * loopback; each holder's uplink is a {@link ThrottledLink} relay (token bucket, 5 Mbit/s); an
 * in-process stand-in answers the tracker lookups (the holders of the round) and the edge's manifest
 * (64 KiB chunk hashes) and refuses segments, so every byte comes from holders. Both variants in one
 * run, alternating, a fresh segment each round: {@code single} (the tracker names one holder: the
 * one-request path) and {@code multi} (four holders: chunks by max flow). Time = the player's GET at
 * the requester, request to last byte, SHA-256 checked.
 *
 * <p>Run: {@code ./cdn bench MultiSourceBench [rounds] [bitsPerSecond]} (defaults 5, 5000000).
 */
public final class MultiSourceBench {
  static final int SEGMENT_BYTES = 1_000_000;
  static final String SONG = "msbench";

  private MultiSourceBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    long uplink = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000;
    Vertx vertx = Vertx.vertx();
    Random random = new Random(14);
    List<Manifest.Segment> segs = new ArrayList<>();
    Map<String, Buffer> bytes = new ConcurrentHashMap<>();
    for (int i = 0; i < 2 * rounds; i++) {
      byte[] b = new byte[SEGMENT_BYTES];
      random.nextBytes(b);
      String id = String.format("%s/128k/seg%05d.ts", SONG, i);
      bytes.put(id, Buffer.buffer(b));
      segs.add(new Manifest.Segment(id, i, 10_000, b.length, SegmentFetcher.sha256(Buffer.buffer(b)),
          Manifest.Chunks.of(b, Manifest.Chunks.DEFAULT_CHUNK_BYTES)));
    }
    String manifest = ManifestJson.write(new Manifest(SONG, "bench", 10_000L * segs.size(), 1,
        List.of(new Manifest.Rendition("128k", 128, Manifest.AAC_LC, segs))));
    Map<String, JsonArray> holders = new ConcurrentHashMap<>();
    HttpServer standIn = vertx.createHttpServer().requestHandler(standIn(vertx, manifest, holders))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + standIn.actualPort();
    PeerHostConfig config = PeerHostConfig.from(new Env(Map.ofEntries(Map.entry("PEER_COUNT", "5"),
        Map.entry("HTTP_PORT", "0"), Map.entry("BIND_HOST", "127.0.0.1"),
        Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead()), Map.entry("TOPICS_TIMEOUT_MS", "0"),
        Map.entry("EDGE_URLS", url), Map.entry("TRACKER_URLS", url), Map.entry("PROBE_MS", "600000"),
        Map.entry("READ_AHEAD", "0"), Map.entry("PEER_TIMEOUT_MS", "10000"), Map.entry("P2P_BUDGET_MS", "20000"))));
    List<ThrottledLink> links = new ArrayList<>();
    try (PeerHost host = PeerHost.start(vertx, config)) {
      List<HostedPeer> holderPeers = host.peers().subList(0, 4);
      HostedPeer requester = host.peers().get(4);
      for (HostedPeer h : holderPeers) {
        links.add(new ThrottledLink(h.port(), uplink));
        for (Manifest.Segment s : segs) {
          host.peer(h.id()).cache().put(CachedSegment.offHeap(s.segmentId(), bytes.get(s.segmentId()), s.sha256()));
        }
      }
      WebClient client = WebClient.create(vertx);
      long[] single = new long[rounds];
      long[] multi = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        for (int variant = 0; variant < 2; variant++) {
          Manifest.Segment s = segs.get(2 * r + variant);
          int count = variant == 0 ? 1 : 4;
          JsonArray list = new JsonArray();
          for (int i = 0; i < count; i++) {
            // the single-holder variant rotates through the holders
            int h = (r + i) % 4;
            list.add(new JsonObject().put("peerId", holderPeers.get(h).id()).put("baseUrl", links.get(h).url())
                .put("region", "local").putNull("rttMs").put("load", 0.0));
          }
          holders.put(s.segmentId(), list);
          long t0 = System.nanoTime();
          HttpResponse<Buffer> resp = client.getAbs(requester.baseUrl() + "/segments/" + s.segmentId()).send()
              .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
          long ms = (System.nanoTime() - t0) / 1_000_000;
          if (resp.statusCode() != 200 || !SegmentFetcher.sha256(resp.body()).equals(s.sha256())
              || !"peer".equals(resp.getHeader("X-CDN-Source"))) {
            throw new IllegalStateException("round " + r + ": " + resp.statusCode() + " from "
                + resp.getHeader("X-CDN-Source"));
          }
          (variant == 0 ? single : multi)[r] = ms;
          System.out.printf("round %d %-6s %d holder(s): %d ms%n", r, variant == 0 ? "single" : "multi", count, ms);
        }
      }
      long singleMs = median(single);
      long multiMs = median(multi);
      System.out.printf("multi-source-1MB uplink=%.1f Mbit/s rounds=%d single-holder median=%d ms "
              + "(%s) four-holders median=%d ms (%s) speed-up=%.2fx (target >= 3x)%n", uplink / 1e6, rounds, singleMs,
          Arrays.toString(single), multiMs, Arrays.toString(multi), (double) singleMs / multiMs);
    } finally {
      links.forEach(ThrottledLink::close);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /** Tracker lookups (the round's holders), the edge's manifest and {@code /ping}; segments refused. */
  private static Router standIn(Vertx vertx, String manifest, Map<String, JsonArray> holders) {
    Router r = Router.router(vertx);
    r.get("/ping").handler(ctx -> ctx.response().putHeader("X-Served-By", "edge-bench")
        .end(new JsonObject().put("edgeId", "edge-bench").put("region", "local").encode()));
    r.get("/songs/" + SONG).handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(manifest));
    r.get("/segments/*").handler(ctx -> {
      String path = ctx.request().path();
      if (path.endsWith("/peers")) {
        String id = path.substring("/segments/".length(), path.length() - "/peers".length());
        ctx.json(new JsonObject().put("segmentId", id).put("holders", holders.getOrDefault(id, new JsonArray())));
      } else {
        ctx.response().setStatusCode(503).putHeader("Retry-After", "1").end();
      }
    });
    return r;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
