package dev.hybridcdn.servicekit.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaper on real loopback sockets: a server deployed through {@link HttpVerticles} on a node's
 * address gets a front, and a client from another node's address sees the model's latency and
 * bandwidth. Stated tolerances: a transfer takes at least the model's time and at most 20% + 150 ms
 * more (a shared 2-core machine only adds delay); a connection's setup costs one round trip within
 * -5 ms / +25 ms (minimum of 5 tries each way). {@link ShapedNetworkChildProcessTest} runs every test
 * again with the fronts in a child JVM.
 */
class ShapedNetworkTest {
  // peer uplink 8 Mbit/s, downlink 100 Mbit/s; one-way peer-peer latency 5 + 5 + 10 = 20 ms, no jitter
  static final String MODEL = """
      seed: 1
      regions:
        eu-west: {eu-west: 10}
      access: {peer: 5, edge: 1, origin: 1}
      jitterMs: 0
      originRegion: eu-west
      bandwidth:
        peer: {uplink: {min: 8, max: 8}, downlink: {min: 100, max: 100}}
        edge: {uplink: {min: 1000, max: 1000}, downlink: {min: 1000, max: 1000}}
        origin: {uplink: {min: 1000, max: 1000}, downlink: {min: 1000, max: 1000}}
      resetRate: 0
      natShare: 0
      """;
  static final int MIB = 1 << 20;

  static Vertx vertx;
  static ShapedNetwork network;
  static NetNode server;
  static NetNode client;
  static int port;

  @BeforeAll
  static void start(org.junit.jupiter.api.TestInfo info) {
    // the subclass runs every test again with the fronts in a child JVM
    start(info.getTestClass().filter(ShapedNetworkChildProcessTest.class::equals).isPresent()
        ? FrontPlacement.CHILD_PROCESS : FrontPlacement.THIS_JVM);
  }

  /** Installs the test's network with its fronts at {@code placement} and a server on node peer-1. */
  static void start(FrontPlacement placement) {
    network = ShapedNetwork.install(NetworkModel.read(new ByteArrayInputStream(MODEL.getBytes(StandardCharsets.UTF_8)),
        "test"), placement);
    server = network.register(NodeKind.PEER, "peer-1", "eu-west");
    client = network.register(NodeKind.PEER, "peer-2", "eu-west");
    vertx = Vertx.vertx();
    Buffer blob = Buffer.buffer(new byte[MIB]);
    port = HttpVerticles.deploy(vertx, new HttpServerOptions().setHost(server.address()).setPort(0), 1,
        () -> req -> {
          int bytes = Integer.parseInt(req.getParam("bytes"));
          req.response().end(blob.getBuffer(0, bytes));
        }, Duration.ofSeconds(10), "test server").port();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    network.close();
  }

  private HttpClient clientFrom(NetNode node) {
    return vertx.createHttpClient(ShapedNetwork.source(new HttpClientOptions().setKeepAlive(true), node),
        new PoolOptions().setHttp1MaxSize(4));
  }

  /** Milliseconds from request to last byte of a GET of {@code bytes}. */
  private static double get(HttpClient http, int bytes) {
    long t0 = System.nanoTime();
    Buffer body = Blocking.await(http.request(HttpMethod.GET, port, server.address(), "/?bytes=" + bytes)
        .compose(r -> r.send()).compose(r -> r.body()), Duration.ofSeconds(30), "GET");
    assertEquals(bytes, body.length());
    return (System.nanoTime() - t0) / 1e6;
  }

  @Test
  void aTransferTakesTheModelsTimeOnTheSendersUplink() {
    HttpClient http = clientFrom(client);
    get(http, 1); // the connection is set up
    double ms = get(http, MIB);
    // 1 MiB at 8 Mbit/s (the sender's uplink, slower than the receiver's 100) plus one round trip
    double expected = MIB * 8 / 8e6 * 1000 + 2 * 20;
    System.out.printf("1 MiB over 8 Mbit/s: %.1f ms measured, %.1f ms model%n", ms, expected);
    assertTrue(ms >= expected - 5 && ms <= expected * 1.2 + 150, "1 MiB took " + ms + " ms, model " + expected);
    http.close().await();
  }

  @Test
  void concurrentUploadsShareTheSendersUplink() {
    HttpClient a = clientFrom(client);
    NetNode third = network.register(NodeKind.PEER, "peer-3", "eu-west");
    HttpClient b = clientFrom(third);
    get(a, 1);
    get(b, 1);
    long t0 = System.nanoTime();
    Future<Buffer> fa = a.request(HttpMethod.GET, port, server.address(), "/?bytes=" + MIB / 2)
        .compose(r -> r.send()).compose(r -> r.body());
    Future<Buffer> fb = b.request(HttpMethod.GET, port, server.address(), "/?bytes=" + MIB / 2)
        .compose(r -> r.send()).compose(r -> r.body());
    Blocking.await(Future.all(fa, fb), Duration.ofSeconds(30), "two GETs");
    double ms = (System.nanoTime() - t0) / 1e6;
    double expected = MIB * 8 / 8e6 * 1000 + 2 * 20; // two halves on one 8 Mbit/s uplink
    System.out.printf("2 x 512 KiB at once over one 8 Mbit/s uplink: %.1f ms measured, %.1f ms model%n", ms, expected);
    assertTrue(ms >= expected - 5 && ms <= expected * 1.2 + 150, "2 x 512 KiB took " + ms + " ms, model " + expected);
    a.close().await();
    b.close().await();
  }

  @Test
  void aSmallAnswerWaitsForOneChunkOfEachBusyUploadNotForTheirBuffers() {
    // three 1 MiB uploads keep the server's 8 Mbit/s uplink busy; a 100-byte answer on another open
    // connection then takes its turn after one 16 KiB chunk of each (3 x 16.4 ms), as under a fair
    // queue, not after the 128 KiB each upload has buffered (3 x 131 ms)
    java.util.List<HttpClient> busy = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      busy.add(clientFrom(network.register(NodeKind.PEER, "peer-busy-" + i, "eu-west")));
      get(busy.get(i), 1);
    }
    HttpClient small = clientFrom(network.register(NodeKind.PEER, "peer-small", "eu-west"));
    get(small, 1);
    // the small answer is asked once every upload's answer has begun (its headers arrived): the uplink is busy
    java.util.List<io.vertx.core.Promise<Void>> begun = new java.util.ArrayList<>();
    java.util.List<Future<Buffer>> uploads = busy.stream().map(h -> {
      io.vertx.core.Promise<Void> started = io.vertx.core.Promise.promise();
      begun.add(started);
      return h.request(HttpMethod.GET, port, server.address(), "/?bytes=" + MIB).compose(r -> r.send())
          .compose(r -> {
            started.tryComplete();
            return r.body();
          });
    }).toList();
    Blocking.await(Future.all(begun.stream().map(io.vertx.core.Promise::future).toList()), Duration.ofSeconds(30),
        "uploads begun");
    double ms = get(small, 100);
    double expected = 2 * 20 + 3 * 16 * 1024 * 8 / 8e6 * 1000;
    System.out.printf("100 B beside three busy uploads: %.1f ms measured, %.1f ms model (a shared deep queue: %.0f)%n",
        ms, expected, 2 * 20 + 3 * 128 * 1024 * 8 / 8e6 * 1000);
    assertTrue(ms <= expected + 150, "a 100-byte answer beside three uploads took " + ms + " ms, model " + expected);
    Blocking.await(Future.all(new java.util.ArrayList<>(uploads)), Duration.ofSeconds(30), "uploads");
    busy.forEach(h -> h.close().await());
    small.close().await();
  }

  @Test
  void aNewConnectionCostsOneRoundTrip() {
    double reused = Double.MAX_VALUE;
    double fresh = Double.MAX_VALUE;
    HttpClient kept = clientFrom(client);
    get(kept, 1);
    for (int i = 0; i < 5; i++) {
      reused = Math.min(reused, get(kept, 100));
      HttpClient once = clientFrom(client);
      fresh = Math.min(fresh, get(once, 100));
      once.close().await();
    }
    kept.close().await();
    assertTrue(reused >= 2 * 20 - 1, "a request on an open connection took " + reused + " ms, one round trip is 40");
    double setup = fresh - reused;
    System.out.printf("request on an open connection %.1f ms, on a new one %.1f ms (model 40 / 80)%n", reused, fresh);
    assertTrue(setup >= 40 - 5 && setup <= 40 + 25, "connection setup cost " + setup + " ms, the model's round trip is 40");
  }

  @Test
  void aNodeCutOffReachesNoOtherNodeUntilItIsReconnected() {
    NetNode cut = network.register(NodeKind.PEER, "peer-4", "eu-west");
    HttpClient kept = clientFrom(cut);
    get(kept, 1); // a connection open when the partition starts
    HttpClient other = clientFrom(client);

    assertEquals(1, network.cutOff(java.util.List.of(cut.id())));

    // the open connection is gone and a new one is refused; other nodes are not affected
    assertThrows(RuntimeException.class, () -> get(kept, 100));
    HttpClient fresh = clientFrom(cut);
    assertThrows(RuntimeException.class, () -> get(fresh, 100));
    assertTrue(get(other, 100) > 0);

    network.reconnect(java.util.List.of(cut.id()));
    assertTrue(get(fresh, 100) > 0);
    assertThrows(IllegalArgumentException.class, () -> network.cutOff(java.util.List.of("peer-99")));
    kept.close().await();
    fresh.close().await();
    other.close().await();
  }

  @Test
  void aBadModelNamesWhatIsWrong() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkModel.read(
        new ByteArrayInputStream(MODEL.replace("originRegion: eu-west", "originRegion: mars").getBytes(StandardCharsets.UTF_8)),
        "bad.yaml"));
    assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("originRegion"), e.getMessage());
  }
}
