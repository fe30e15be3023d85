package dev.hybridcdn.peer.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failures cut on real sockets against real peers (one host per case), with in-process stand-ins
 * for edges, tracker instances and holders: a hung edge, a tracker instance closed, a reader that
 * never reads, a holder that streams without end, edges that refuse connections. Kafka is absent.
 */
class PeerResilienceIT {
  static Vertx vertx;
  static FakeNetwork net;
  static WebClient http;
  PeerHost host;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void closeHost() {
    if (host != null) {
      host.close();
    }
  }

  /** A host of {@code count} peers on free ports with the test defaults plus {@code overrides}. */
  PeerHost host(int count, String... overrides) {
    Map<String, String> env = new HashMap<>(Map.of("PEER_COUNT", Integer.toString(count), "HTTP_PORT", "0",
        "BIND_HOST", "127.0.0.1", "EDGE_URLS", net.edgeUrl(), "TRACKER_URLS", net.trackerUrl(),
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead(), "TOPICS_TIMEOUT_MS", "0", "READ_AHEAD", "0",
        "PEER_TIMEOUT_MS", "1000", "P2P_BUDGET_MS", "2500"));
    env.put("EDGE_TIMEOUT_MS", "3000");
    env.put("PLAYER_HEDGE_MS", "0"); // these tests time the fetch pipeline itself, unhedged
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(env)));
    return host;
  }

  static HttpResponse<Buffer> get(HostedPeer peer, String path, String requester) throws Exception {
    var req = http.getAbs(peer.baseUrl() + path);
    if (requester != null) {
      req.putHeader(CdnHeaders.PEER_REQUEST, requester);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static JsonObject link(HostedPeer peer, String edgeId) {
    for (Object o : peer.status().getJsonArray("links")) {
      JsonObject l = (JsonObject) o;
      if (edgeId.equals(l.getString("id"))) {
        return l;
      }
    }
    return new JsonObject();
  }

  @Test
  void aHungEdgeStopsBeingPreferredAfterItsFirstProbeTimeout() throws Exception {
    AtomicBoolean hung = new AtomicBoolean();
    int near = net.edge("edge-near", 0, hung);
    int far = net.edge("edge-far", 150, new AtomicBoolean());
    HostedPeer peer = host(1, "EDGE_URLS", "http://127.0.0.1:" + near + ",http://127.0.0.1:" + far,
        "P2P_ENABLED", "false", "PROBE_MS", "300", "EDGE_TIMEOUT_MS", "3000").peers().get(0);
    await("both edges measured, the near one first").atMost(Duration.ofSeconds(10)).until(() ->
        link(peer, "edge-near").getDouble("rttMs") != null && link(peer, "edge-far").getDouble("rttMs") != null);
    HttpResponse<Buffer> before = get(peer, "/segments/" + FakeNetwork.segmentId(0), null);
    assertThat(before.getHeader(CdnHeaders.EDGE)).isEqualTo("edge-near");

    hung.set(true); // accepts, never answers: its last RTT is still the lowest
    long hungAt = System.nanoTime();
    await("the first probe timeout marks it down").atMost(Duration.ofSeconds(5))
        .until(() -> link(peer, "edge-near").getBoolean("down", false));
    System.out.printf("hung edge marked down %d ms after it hung%n", (System.nanoTime() - hungAt) / 1_000_000);
    for (int i = 1; i <= 3; i++) {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r = get(peer, "/segments/" + FakeNetwork.segmentId(i), null);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("uncached segment %d with the near edge hung: %d ms%n", i, ms);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader(CdnHeaders.EDGE)).isEqualTo("edge-far");
      assertThat(r.getHeader(CdnHeaders.ATTEMPTS)).isEqualTo("1");
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(SegmentFetcher.sha256(net.segments.get(FakeNetwork.segmentId(i))));
      assertThat(ms).as("never waits the 3000 ms edge timeout").isLessThan(1500);
    }
    hung.set(false);
    await("back in front once a probe answers").atMost(Duration.ofSeconds(10))
        .until(() -> !link(peer, "edge-near").getBoolean("down", true));
  }

  @Test
  void lookupsMoveToTheSecondTrackerWhenTheFirstIsClosedAndStayThere() throws Exception {
    AtomicInteger firstLookups = new AtomicInteger();
    AtomicInteger secondLookups = new AtomicInteger();
    int first = net.tracker(firstLookups);
    int second = net.tracker(secondLookups);
    String firstUrl = "http://127.0.0.1:" + first;
    String secondUrl = "http://127.0.0.1:" + second;
    PeerHost h = host(2, "TRACKER_URLS", firstUrl + "," + secondUrl, "TRACKER_TIMEOUT_MS", "1000",
        "TRACKER_RETRY_MS", "60000");
    HostedPeer holder = h.peers().get(0);
    HostedPeer requester = h.peers().get(1);
    for (int i = 0; i < 3; i++) {
      String seg = FakeNetwork.segmentId(i);
      assertThat(get(holder, "/segments/" + seg, null).statusCode()).isEqualTo(200);
      net.holders(seg, FakeNetwork.holder(holder.id(), holder.baseUrl()));
    }
    int secondBefore = secondLookups.get();
    net.stop(first); // connections refused from now on
    HttpResponse<Buffer> r = get(requester, "/segments/" + FakeNetwork.segmentId(0), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader(CdnHeaders.SOURCE)).as("the holder was found through the second tracker").isEqualTo("peer");
    assertThat(r.getHeader(CdnHeaders.PEER)).isEqualTo(holder.id());
    assertThat(secondLookups.get()).isGreaterThan(secondBefore);
    assertThat(requester.status().getString("tracker")).isEqualTo(secondUrl);

    // The first instance comes back: lookups stick to the one that works until it fails.
    net.listenAgain(first, net.trackerRouter(firstLookups));
    int firstBefore = firstLookups.get();
    HttpResponse<Buffer> next = get(requester, "/segments/" + FakeNetwork.segmentId(1), null);
    assertThat(next.getHeader(CdnHeaders.SOURCE)).isEqualTo("peer");
    assertThat(firstLookups.get()).isEqualTo(firstBefore);

    // The second one fails: lookups go back to the first, at once.
    net.stop(second);
    HttpResponse<Buffer> third = get(requester, "/segments/" + FakeNetwork.segmentId(2), null);
    assertThat(third.getHeader(CdnHeaders.SOURCE)).isEqualTo("peer");
    assertThat(firstLookups.get()).isGreaterThan(firstBefore);
    assertThat(requester.status().getString("tracker")).isEqualTo(firstUrl);
  }

  @Test
  void aHungTrackerInstanceCostsOneLookupThenTheOtherAnswers() throws Exception {
    AtomicInteger secondLookups = new AtomicInteger();
    String secondUrl = "http://127.0.0.1:" + net.tracker(secondLookups);
    // No warm starts: their first round would pay for the hung instance before the lookup this test times.
    PeerHost h = host(2, "TRACKER_URLS", "http://127.0.0.1:" + net.hangingHolderPort + "," + secondUrl,
        "TRACKER_TIMEOUT_MS", "300", "WARM_START_SONGS", "0");
    HostedPeer holder = h.peers().get(0);
    HostedPeer requester = h.peers().get(1);
    for (int i = 3; i <= 4; i++) {
      String seg = FakeNetwork.segmentId(i);
      assertThat(get(holder, "/segments/" + seg, null).statusCode()).isEqualTo(200);
      net.holders(seg, FakeNetwork.holder(holder.id(), holder.baseUrl()));
    }
    // The first lookup spends its 300 ms on the hung instance: no holders, the edge answers.
    assertThat(get(requester, "/segments/" + FakeNetwork.segmentId(3), null).getHeader(CdnHeaders.SOURCE))
        .isIn("edge", "origin");
    assertThat(requester.status().getString("tracker")).isEqualTo(secondUrl);
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = get(requester, "/segments/" + FakeNetwork.segmentId(4), null);
    assertThat(r.getHeader(CdnHeaders.SOURCE)).isEqualTo("peer");
    assertThat(secondLookups.get()).isGreaterThanOrEqualTo(1);
    assertThat((System.nanoTime() - t0) / 1_000_000).as("no wait on the hung instance").isLessThan(300);
  }

  @Test
  void aReaderThatNeverReadsLosesItsUploadSlotWithinTheWriteTimeout() throws Exception {
    HostedPeer peer = host(1, "UPLOAD_SLOTS", "2", "OPTIMISTIC_SLOTS", "0", "WRITE_TIMEOUT_MS", "1000",
        "CACHE_BYTES", Integer.toString(64 << 20), "P2P_ENABLED", "false").peers().get(0);
    assertThat(get(peer, "/segments/" + FakeNetwork.BIG_SEGMENT, null).body().length()).isEqualTo(FakeNetwork.BIG_BYTES);
    PeerNode node = host.peer(peer.id());
    UploadSlots slots = node.uploadSlots();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (String requester : List.of("slow-1", "slow-2")) {
        stalled.add(stalledReader(peer, requester));
      }
      await("both slots held by readers that do not read").atMost(Duration.ofSeconds(5))
          .until(() -> slots.active() == 2);
      long heldAt = System.nanoTime();
      assertThat(get(peer, "/segments/" + FakeNetwork.BIG_SEGMENT, "good-peer").statusCode())
          .as("meanwhile another peer is refused").isEqualTo(503);
      await("the slots are freed by the write timeout").atMost(Duration.ofSeconds(5)).until(() -> slots.active() == 0);
      long ms = (System.nanoTime() - heldAt) / 1_000_000;
      System.out.printf("stalled readers lost their upload slots after %d ms (write timeout 1000 ms)%n", ms);
      assertThat(ms).isLessThan(3000);
      assertThat(node.meters().slowReaders()).isEqualTo(2.0);
      HttpResponse<Buffer> served = get(peer, "/segments/" + FakeNetwork.BIG_SEGMENT, "good-peer");
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.body().length()).isEqualTo(FakeNetwork.BIG_BYTES);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  /** A peer request from a client with a 4 KiB receive window that never reads. */
  private static Socket stalledReader(HostedPeer peer, String requester) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096); // before connect, so the window is small from the start
    socket.connect(new InetSocketAddress("127.0.0.1", peer.port()), 5_000);
    socket.getOutputStream().write(("GET /segments/" + FakeNetwork.BIG_SEGMENT + " HTTP/1.1\r\nHost: peer\r\n"
        + CdnHeaders.PEER_REQUEST + ": " + requester + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  @Test
  void aHolderBodyLargerThanTheManifestSaysIsAbortedAndTheHolderPenalised() throws Exception {
    AtomicLong sent = new AtomicLong();
    AtomicBoolean closed = new AtomicBoolean();
    HttpServer endless = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "video/mp2t");
      resp.closeHandler(v -> closed.set(true));
      pour(resp, sent);
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      HostedPeer peer = host(1).peers().get(0);
      String seg = FakeNetwork.segmentId(4);
      net.holders(seg, FakeNetwork.holder("endless-holder", "http://127.0.0.1:" + endless.actualPort()));
      HttpResponse<Buffer> r = get(peer, "/segments/" + seg, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader(CdnHeaders.SOURCE)).isIn("edge", "origin");
      assertThat(r.getHeader(CdnHeaders.ATTEMPTS)).isEqualTo("2");
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(SegmentFetcher.sha256(net.segments.get(seg)));
      await("the holder's connection is cut").atMost(Duration.ofSeconds(5)).until(closed::get);
      System.out.printf("endless holder: connection cut after %d bytes written (cap %d)%n", sent.get(),
          FakeNetwork.SEGMENT_BYTES);
      assertThat(host.peer(peer.id()).meters().integrityFailures()).isEqualTo(1.0);
      // penalised: another segment it claims is not asked of it
      String other = FakeNetwork.segmentId(5);
      net.holders(other, FakeNetwork.holder("endless-holder", "http://127.0.0.1:" + endless.actualPort()));
      long before = sent.get();
      assertThat(get(peer, "/segments/" + other, null).getHeader(CdnHeaders.ATTEMPTS)).isEqualTo("1");
      assertThat(sent.get()).isEqualTo(before);
    } finally {
      endless.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Writes 64 KiB chunks for as long as the connection stays open, respecting back-pressure. */
  private static void pour(HttpServerResponse resp, AtomicLong sent) {
    Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
    while (!resp.writeQueueFull() && !resp.closed()) {
      resp.write(chunk);
      sent.addAndGet(chunk.length());
    }
    if (!resp.closed()) {
      resp.drainHandler(v -> pour(resp, sent));
    }
  }

  @Test
  void aHolderThatTimesOutIsNotAskedAgainDuringItsBackOff() throws Exception {
    HostedPeer peer = host(1, "PEER_TIMEOUT_MS", "500", "HOLDER_BACKOFF_MS", "30000").peers().get(0);
    net.holders(FakeNetwork.segmentId(1), net.hangingHolder());
    net.holders(FakeNetwork.segmentId(2), net.hangingHolder());
    int before = net.hangingHolderRequests.get();
    assertThat(get(peer, "/segments/" + FakeNetwork.segmentId(1), null).getHeader(CdnHeaders.ATTEMPTS)).isEqualTo("2");
    long t0 = System.nanoTime();
    HttpResponse<Buffer> next = get(peer, "/segments/" + FakeNetwork.segmentId(2), null);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.getHeader(CdnHeaders.ATTEMPTS)).as("straight to the edge").isEqualTo("1");
    assertThat(net.hangingHolderRequests.get()).isEqualTo(before + 1);
    assertThat(ms).isLessThan(500);
  }

  @Test
  void withEveryEdgeDownAMissingManifestIs503WithRetryAfterNot404() throws Exception {
    HostedPeer peer = host(1, "EDGE_URLS", "http://127.0.0.1:" + LocalPorts.dead() + ",http://127.0.0.1:"
        + LocalPorts.dead(), "PROBE_MS", "3000").peers().get(0);
    HttpResponse<Buffer> r = get(peer, "/segments/" + FakeNetwork.segmentId(0), null);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.getHeader("Retry-After")).isEqualTo("3");
    assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("manifest_unavailable");
    assertThat(body.getJsonArray("details").encode()).contains("edge");
  }
}
