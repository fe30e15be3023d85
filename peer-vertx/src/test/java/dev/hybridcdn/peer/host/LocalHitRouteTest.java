package dev.hybridcdn.peer.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A player's request for a segment its peer holds, answered before the router (issue 19's hot path,
 * {@code player/LocalHitRoute}), over real HTTP on loopback: what a player relies on in the answer
 * (the bytes, the pathway and segment headers, CORS) and in what follows it (the peer's meters), and
 * that every request the hot path must not take still gets the router's answer.
 */
class LocalHitRouteTest {
  static Vertx vertx;
  static FakeNetwork net;
  static PeerHost host;
  static WebClient http;
  static HostedPeer peer;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(net.hostEnv(1))));
    peer = host.peers().get(0);
  }

  @AfterAll
  static void stop() throws Exception {
    FakeNetwork.closeAll(host, null, net, vertx);
  }

  static HttpResponse<Buffer> get(String path, String header, String value) throws Exception {
    var req = http.getAbs(peer.baseUrl() + path);
    if (header != null) {
      req.putHeader(header, value);
    }
    return req.send().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void aHeldSegmentIsAnsweredLocallyWithEveryHeaderAPlayerReads() throws Exception {
    String seg = FakeNetwork.segmentId(1);
    Buffer bytes = net.segments.get(seg);
    assertThat(get("/segments/" + seg, null, null).getHeader(CdnHeaders.SOURCE)).isNotEqualTo("local");
    double before = host.peer(peer.id()).meters().requests(Tier.LOCAL);

    HttpResponse<Buffer> hit = get("/segments/" + seg, null, null);
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.body()).isEqualTo(bytes);
    assertThat(hit.getHeader("Content-Length")).isEqualTo(Integer.toString(bytes.length()));
    assertThat(hit.getHeader("Content-Type")).isEqualTo("video/mp2t");
    assertThat(hit.getHeader("ETag")).isEqualTo("\"" + SegmentFetcher.sha256(bytes) + "\"");
    assertThat(hit.getHeader("Accept-Ranges")).isEqualTo("bytes");
    assertThat(hit.getHeader(CdnHeaders.SOURCE)).isEqualTo("local");
    assertThat(hit.getHeader(CdnHeaders.HOPS)).isEqualTo("0");
    assertThat(hit.getHeader(CdnHeaders.ATTEMPTS)).isEqualTo("1");
    assertThat(hit.getHeader(CdnHeaders.PATH)).isEqualTo(peer.id());
    assertThat(hit.getHeader(CdnHeaders.PEER)).isEqualTo(peer.id());
    // how it was got, as the routed answer says it (issue 13's latency breakdown in cdn eval)
    assertThat(hit.getHeader(CdnHeaders.ANSWER)).startsWith("local;");
    assertThat(hit.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(hit.getHeader("Access-Control-Expose-Headers")).isEqualTo(CdnHeaders.EXPOSED_TO_PLAYERS);
    assertThat(hit.getHeader("Cache-Control")).isNull();
    assertThat(host.peer(peer.id()).meters().requests(Tier.LOCAL)).isEqualTo(before + 1);
  }

  @Test
  void requestsTheHotPathMustNotTakeGetTheRoutersAnswer() throws Exception {
    String seg = FakeNetwork.segmentId(2);
    Buffer bytes = net.segments.get(seg);
    assertThat(get("/segments/" + seg, null, null).statusCode()).isEqualTo(200);
    assertThat(get("/segments/" + seg, null, null).getHeader(CdnHeaders.SOURCE)).isEqualTo("local");

    HttpResponse<Buffer> ranged = get("/segments/" + seg, "Range", "bytes=10-19");
    assertThat(ranged.statusCode()).isEqualTo(206);
    assertThat(ranged.body().getBytes()).isEqualTo(bytes.getBuffer(10, 20).getBytes());
    assertThat(ranged.getHeader(CdnHeaders.SOURCE)).isEqualTo("local");
    HttpResponse<Buffer> beyond = get("/segments/" + seg, "Range", "bytes=" + bytes.length() + "-");
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.getHeader("Cache-Control")).isEqualTo("no-store");

    // another peer: an upload, under the upload slots' rules, without the player's pathway headers
    HttpResponse<Buffer> upload = get("/segments/" + seg, CdnHeaders.PEER_REQUEST, "peer-x");
    assertThat(upload.statusCode()).isEqualTo(200);
    assertThat(upload.body()).isEqualTo(bytes);
    assertThat(upload.getHeader(CdnHeaders.SOURCE)).isNull();

    HttpResponse<Buffer> badRequester = get("/segments/" + seg, CdnHeaders.PEER_REQUEST, "not a peer id!");
    assertThat(badRequester.statusCode()).isEqualTo(400);

    HttpResponse<Buffer> dotted = get("/segments/demo/64k/../64k/seg00002.ts", null, null);
    assertThat(dotted.getHeader(CdnHeaders.SOURCE)).as("normalised by the router, not the hot path").isNotEqualTo("local");

    HttpResponse<Buffer> head = http.headAbs(peer.baseUrl() + "/segments/" + seg).send().toCompletionStage()
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(head.getHeader(CdnHeaders.SOURCE)).isNull();
  }
}
