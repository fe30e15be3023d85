package dev.hybridcdn.peer.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer keeps the start of the swarm's popular song ready (WarmStarts): real peers of one host on
 * loopback, the in-process edge and tracker of {@link FakeNetwork}.
 */
class WarmStartsTest {
  Vertx vertx;
  FakeNetwork net;
  PeerHost host;
  WebClient http;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    net = new FakeNetwork(vertx);
    http = WebClient.create(vertx);
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(net.hostEnv(2, "TRACKER_TIMEOUT_MS", "3000",
        "WARM_START_SONGS", "1", "WARM_START_SEGMENTS", "2", "WARM_START_MS", "500"))));
  }

  @AfterEach
  void stop() throws Exception {
    FakeNetwork.closeAll(host, null, net, vertx);
  }

  HttpResponse<Buffer> play(HostedPeer peer, String segmentId) throws Exception {
    return get(peer, "/segments/" + segmentId);
  }

  HttpResponse<Buffer> get(HostedPeer peer, String path) throws Exception {
    return http.getAbs(peer.baseUrl() + path).send().toCompletionStage().toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
  }

  @Test
  void theStartOfThePopularSongAndItsPlaylistsAreReadyBeforeAnyPlayerAsksAndThenPlayedLocally() throws Exception {
    HostedPeer holder = host.peers().get(0);
    HostedPeer fresh = host.peers().get(1);
    String seg0 = FakeNetwork.segmentId(0);
    String seg1 = FakeNetwork.segmentId(1);
    String seg2 = FakeNetwork.segmentId(2);
    for (String s : new String[] {seg0, seg1, seg2}) {
      assertThat(play(holder, s).statusCode()).isEqualTo(200);
      net.holders(s, FakeNetwork.holder(holder.id(), holder.baseUrl()));
    }
    net.popularSongs = true;

    await().atMost(Duration.ofSeconds(15)).until(() -> host.peer(fresh.id()).cache().contains(seg0)
        && host.peer(fresh.id()).cache().contains(seg1));

    assertThat(host.peer(fresh.id()).cache().contains(seg2)).as("only WARM_START_SEGMENTS from the start").isFalse();
    assertThat(net.edgeRequests(seg0)).as("from the holder, not the edge").isEqualTo(1);
    assertThat(net.edgeRequests(seg1)).isEqualTo(1);
    assertThat(host.peer(fresh.id()).fetchLedger().snapshot())
        .containsEntry("bytes.warm.peer", 2L * FakeNetwork.SEGMENT_BYTES);
    await().atMost(Duration.ofSeconds(5)).until(() -> net.playlistRequests.get() >= 2);
    int playlistsAsked = net.playlistRequests.get();
    assertThat(get(fresh, "/hls/demo/master.m3u8").statusCode()).isEqualTo(200);
    assertThat(get(fresh, "/hls/demo/64k/playlist.m3u8").bodyAsString()).contains("/segments/" + seg0);
    assertThat(net.playlistRequests.get()).as("the playlists were kept ready: no edge asked").isEqualTo(playlistsAsked);
    HttpResponse<Buffer> first = play(fresh, seg0);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader(CdnHeaders.SOURCE)).isEqualTo("local");
    assertThat(host.peer(fresh.id()).status().getJsonObject("warmStarts").getLong("fetched")).isEqualTo(2L);
  }

  @Test
  void aSongNoPeerHoldsIsNotFetchedFromTheEdges() throws Exception {
    HostedPeer fresh = host.peers().get(1);
    net.popularSongs = true; // the tracker knows no holder of anything yet

    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
        .until(() -> host.peer(fresh.id()).cache().size() == 0);

    assertThat(net.edgeRequests(FakeNetwork.segmentId(0))).isZero();
  }
}
