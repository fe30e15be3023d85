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
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A NAT'd peer whose relay dies (issue 15): its polls fail, it attaches to the nearest peer it reaches
 * on its own connections, and a peer asking for its segments finds that new relay among the links
 * the NAT'd peer measures. Real peers on loopback; the relay is stopped for real (its port refuses
 * connections); the tracker and edge are {@link FakeNetwork}, the topology knows no path.
 */
class RelayFailoverIT {
  static Vertx vertx;
  static FakeNetwork net;
  static PeerHost host;
  static WebClient http;
  static HttpServer topology;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
    topology = vertx.createHttpServer()
        .requestHandler(req -> req.response().setStatusCode(404).end("{\"error\":\"no_path\"}"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(RelayIT.env(net, topology.actualPort(), 3, 300))));
  }

  @AfterAll
  static void stop() throws Exception {
    FakeNetwork.closeAll(host, topology, net, vertx);
  }

  static JsonObject status(HostedPeer p) throws Exception {
    return http.getAbs(p.baseUrl() + "/status").send().toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  static void hold(HostedPeer p, int segment) {
    Buffer bytes = net.segments.get(FakeNetwork.segmentId(segment));
    host.peer(p.id()).cache().put(CachedSegment.offHeap(FakeNetwork.segmentId(segment), bytes,
        SegmentFetcher.sha256(bytes)));
  }

  static HttpResponse<Buffer> get(String url) throws Exception {
    return http.getAbs(url).send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void whenItsRelayDiesANatPeerAttachesToAnotherAndStillDelivers() throws Exception {
    HostedPeer asker = host.peers().get(0);
    HostedPeer relay1 = host.peers().get(1);
    HostedPeer relay2 = host.peers().get(2);
    PeerConfig template = host.config().template();
    HostedPeer nat = host.startPeer(template.withIdentity("nat-1", template.region(), 0)
        .withRoute(template.route().behindNat(relay1.baseUrl())));
    await().atMost(Duration.ofSeconds(20)).until(() -> status(relay1).getJsonObject("relay").getInteger("attached") == 1);
    // The NAT'd peer downloads from relay2 on its own connection: relay2 becomes a measured neighbour.
    String first = FakeNetwork.segmentId(0);
    hold(relay2, 0);
    net.holders(first, FakeNetwork.holder(relay2.id(), relay2.baseUrl()));
    assertThat(get(nat.baseUrl() + "/segments/" + first).getHeader(CdnHeaders.PEER)).isEqualTo(relay2.id());

    host.stopPeer(relay1.id(), false);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonObject via = status(nat).getJsonObject("relay").getJsonObject("via");
      assertThat(via.getString("relayUrl")).isEqualTo(relay2.baseUrl());
      assertThat(via.getLong("relaysChanged")).isEqualTo(1);
      assertThat(status(relay2).getJsonObject("relay").getInteger("attached")).isEqualTo(1);
    });
    // The tracker still lists the dead relay first among the NAT'd peer's links.
    net.peerUrls.put(relay2.id(), relay2.baseUrl());
    net.peerLinks.put(nat.id(), new JsonObject().put(relay1.id(), 0.1).put(relay2.id(), 0.5));
    String id = FakeNetwork.segmentId(1);
    hold(nat, 1);
    net.holders(id, FakeNetwork.holder(nat.id(), "http://127.0.0.1:" + LocalPorts.dead()));

    HttpResponse<Buffer> r = get(asker.baseUrl() + "/segments/" + id);

    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(net.segments.get(id));
    assertThat(r.getHeader(CdnHeaders.PATH)).isEqualTo(asker.id() + "," + relay2.id() + "," + nat.id());
    assertThat(net.edgeRequests(id)).isZero();
  }
}
