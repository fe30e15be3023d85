package dev.hybridcdn.peer.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Relays (issue 15, item 1): a holder behind NAT, which nobody can connect to, still delivers
 * through a relay it keeps an outbound poll to. Real peers on loopback (requester, relay, NAT'd
 * holder); the tracker, topology and edge are in-process stand-ins ({@link FakeNetwork} and a
 * {@code /path} answer). The tracker gives the NAT'd holder's URL as a port nothing listens on, which
 * is what a peer behind NAT without a port mapping looks like from outside: the connection fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayIT {
  static Vertx vertx;
  static FakeNetwork net;
  static PeerHost host;
  static WebClient http;
  static HttpServer topology;
  static HostedPeer requester;
  static HostedPeer relay;
  static HostedPeer nat;
  static String unreachable;
  /** from|to -> path the topology stand-in answers. */
  static final Map<String, List<String>> paths = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
    Router topo = Router.router(vertx);
    topo.get("/path").handler(ctx -> {
      List<String> p = paths.get(ctx.request().getParam("from") + "|" + ctx.request().getParam("to"));
      if (!"peers".equals(ctx.request().getParam("via"))) {
        // a relay path must run through peers only (an edge does not relay): peers ask for one
        ctx.response().setStatusCode(400).end("{\"error\":\"peers_only_expected\"}");
        return;
      }
      if (p == null) {
        ctx.response().setStatusCode(404).end("{\"error\":\"no_path\"}");
        return;
      }
      ctx.json(new JsonObject().put("from", p.get(0)).put("to", p.get(p.size() - 1)).put("metric", "rtt")
          .put("path", new JsonArray(p)).put("hops", p.size() - 1).put("rttMs", 3.0));
    });
    topology = vertx.createHttpServer().requestHandler(topo).listen(0, "127.0.0.1").toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(env(net, topology.actualPort(), 2, 600_000))));
    requester = host.peers().get(0);
    relay = host.peers().get(1);
    PeerConfig template = host.config().template();
    nat = host.startPeer(template.withIdentity("nat-1", template.region(), 0)
        .withRoute(template.route().behindNat(relay.baseUrl())));
    unreachable = "http://127.0.0.1:" + LocalPorts.dead();
    net.peerUrls.put(relay.id(), relay.baseUrl());
    paths.put(requester.id() + "|" + nat.id(), List.of(requester.id(), relay.id(), nat.id()));
    // The NAT'd peer attaches to its relay on its own connection.
    await().atMost(Duration.ofSeconds(20)).until(() -> status(relay).getJsonObject("relay").getInteger("attached") == 1);
  }

  /**
   * Settings of the peers of a relay test: the stand-ins' URLs, no Kafka, no read-ahead, bounds long
   * enough for a loaded machine, no hedge (a relayed answer must not race the edge).
   */
  static Map<String, String> env(FakeNetwork net, int topologyPort, int peers, long probeMs) {
    return Map.ofEntries(
        Map.entry("PEER_COUNT", String.valueOf(peers)), Map.entry("HTTP_PORT", "0"), Map.entry("BIND_HOST", "127.0.0.1"),
        Map.entry("EDGE_URLS", net.edgeUrl()), Map.entry("TRACKER_URLS", net.trackerUrl()),
        Map.entry("TOPOLOGY_URL", "http://127.0.0.1:" + topologyPort),
        Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead()), Map.entry("TOPICS_TIMEOUT_MS", "0"),
        Map.entry("READ_AHEAD", "0"), Map.entry("PEER_TIMEOUT_MS", "2000"), Map.entry("P2P_BUDGET_MS", "8000"),
        Map.entry("RELAY_TIMEOUT_MS", "5000"), Map.entry("TOPOLOGY_TIMEOUT_MS", "2000"),
        Map.entry("EDGE_TIMEOUT_MS", "5000"), Map.entry("PROBE_MS", String.valueOf(probeMs)),
        Map.entry("PLAYER_HEDGE_MS", "0"));
  }

  @AfterAll
  static void stop() throws Exception {
    FakeNetwork.closeAll(host, topology, net, vertx);
  }

  static JsonObject status(HostedPeer p) throws Exception {
    return http.getAbs(p.baseUrl() + "/status").send().toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  static void hold(HostedPeer p, int segment, Buffer bytes) {
    host.peer(p.id()).cache().put(CachedSegment.offHeap(FakeNetwork.segmentId(segment), bytes,
        SegmentFetcher.sha256(net.segments.get(FakeNetwork.segmentId(segment)))));
  }

  static HttpResponse<Buffer> get(String url, String peerHeader) throws Exception {
    var req = http.getAbs(url);
    if (peerHeader != null) {
      req.putHeader(CdnHeaders.PEER_REQUEST, peerHeader);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  @Order(1)
  void aNatHoldersSegmentReachesTheRequesterThroughTheRelayInTwoHops() throws Exception {
    for (int segment : new int[] {0, 1}) {
      String id = FakeNetwork.segmentId(segment);
      hold(nat, segment, net.segments.get(id));
      net.holders(id, FakeNetwork.holder(nat.id(), unreachable));
      HttpResponse<Buffer> r = get(requester.baseUrl() + "/segments/" + id, null);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(net.segments.get(id));
      assertThat(r.getHeader(CdnHeaders.SOURCE)).isEqualTo("peer");
      assertThat(r.getHeader(CdnHeaders.PEER)).isEqualTo(nat.id());
      assertThat(r.getHeader(CdnHeaders.PATH)).isEqualTo(requester.id() + "," + relay.id() + "," + nat.id());
      assertThat(r.getHeader(CdnHeaders.HOPS)).isEqualTo("2");
      assertThat(net.edgeRequests(id)).isZero();
      // The relay verified and kept a copy within its cache budget.
      assertThat(host.peer(relay.id()).cache().get(id)).isNotNull();
    }
    JsonObject via = status(nat).getJsonObject("relay").getJsonObject("via");
    assertThat(via.getLong("pushed")).isEqualTo(2);
    assertThat(status(relay).getJsonObject("relay").getLong("relayed")).isEqualTo(2);
  }

  @Test
  @Order(2)
  void aNatHoldersWrongBytesAreStoppedAtTheRelayAndAnEdgeAnswers() throws Exception {
    String id = FakeNetwork.segmentId(2);
    hold(nat, 2, Buffer.buffer(new byte[FakeNetwork.SEGMENT_BYTES]));
    net.holders(id, FakeNetwork.holder(nat.id(), unreachable));
    HttpResponse<Buffer> r = get(requester.baseUrl() + "/segments/" + id, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(net.segments.get(id));
    // The edge stand-in says MISS the first time it is asked for a segment: tier origin.
    assertThat(r.getHeader(CdnHeaders.SOURCE)).isIn("edge", "origin");
    assertThat(r.getHeader(CdnHeaders.PATH)).doesNotContain(relay.id()).doesNotContain(nat.id());
    assertThat(host.peer(relay.id()).cache().get(id)).isNull();
  }

  @Test
  @Order(3)
  void badRelayRequestsAre400sAndUnsolicitedPushesAreRefused() throws Exception {
    String base = relay.baseUrl() + "/relay/segments/" + FakeNetwork.segmentId(3);
    assertThat(get(base + "?path=" + nat.id(), null).bodyAsJsonObject().getString("error")).isEqualTo("invalid_peer_id");
    assertThat(get(base, requester.id()).bodyAsJsonObject().getString("error")).isEqualTo("invalid_path");
    assertThat(get(base + "?path=a,b,c", requester.id()).bodyAsJsonObject().getString("error")).isEqualTo("invalid_path");
    assertThat(get(base + "?path=" + requester.id(), requester.id()).statusCode()).isEqualTo(400);
    assertThat(get(base + "?path=" + relay.id(), requester.id()).bodyAsJsonObject().getString("error"))
        .isEqualTo("path_loop");
    assertThat(get(relay.baseUrl() + "/relay/segments/nonsense?path=" + nat.id(), requester.id()).statusCode())
        .isEqualTo(400);
    HttpResponse<Buffer> push = http.putAbs(relay.baseUrl() + "/relay/deliver/" + FakeNetwork.segmentId(3))
        .putHeader(CdnHeaders.PEER_REQUEST, nat.id()).sendBuffer(Buffer.buffer("junk"))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(push.statusCode()).isEqualTo(409);
    assertThat(push.bodyAsJsonObject().getString("error")).isEqualTo("not_requested");
  }

  @Test
  @Order(4)
  void withoutATopologyPathTheRequesterFindsTheNatHoldersRelayAmongItsMeasuredLinks() throws Exception {
    // A requester the topology knows no path from (in a sparse peer-only graph, the common case): the
    // tracker's record of the NAT'd holder lists what it measures, nearest first a peer nobody can
    // resolve, then its relay.
    PeerConfig template = host.config().template();
    HostedPeer far = host.startPeer(template.withIdentity("far-1", template.region(), 0));
    net.peerLinks.put(nat.id(), new JsonObject().put(far.id(), 0.1).put("ghost-1", 0.2).put(relay.id(), 0.9)
        .put("bad id!", 0.0).put("peer-7", "fast"));
    String id = FakeNetwork.segmentId(4);
    hold(nat, 4, net.segments.get(id));
    net.holders(id, FakeNetwork.holder(nat.id(), unreachable));
    long relayedBefore = status(relay).getJsonObject("relay").getLong("relayed");

    HttpResponse<Buffer> r = get(far.baseUrl() + "/segments/" + id, null);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(net.segments.get(id));
    assertThat(r.getHeader(CdnHeaders.PEER)).isEqualTo(nat.id());
    assertThat(r.getHeader(CdnHeaders.PATH)).isEqualTo(far.id() + "," + relay.id() + "," + nat.id());
    assertThat(net.edgeRequests(id)).isZero();
    assertThat(status(relay).getJsonObject("relay").getLong("relayed")).isEqualTo(relayedBefore + 1);

    // The next segment goes straight to the relay that delivered: no second tracker record needed.
    net.peerLinks.remove(nat.id());
    String next = FakeNetwork.segmentId(5);
    hold(nat, 5, net.segments.get(next));
    net.holders(next, FakeNetwork.holder(nat.id(), unreachable));
    HttpResponse<Buffer> r2 = get(far.baseUrl() + "/segments/" + next, null);
    assertThat(r2.statusCode()).as(r2.bodyAsString()).isEqualTo(200);
    assertThat(r2.getHeader(CdnHeaders.PATH)).isEqualTo(far.id() + "," + relay.id() + "," + nat.id());
    assertThat(net.edgeRequests(next)).isZero();
  }
}
