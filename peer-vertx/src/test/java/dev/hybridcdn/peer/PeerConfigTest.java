package dev.hybridcdn.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.peer.upload.UplinkBudget;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerConfigTest {
  @Test
  void defaults() {
    PeerConfig c = PeerConfig.from(new Env(Map.of()));
    assertThat(c.httpPort()).isEqualTo(9000);
    assertThat(c.peerId()).isEqualTo("peer-9000");
    assertThat(c.trackerUrls()).containsExactly("http://127.0.0.1:7070");
    assertThat(c.trackerRetry().toMillis()).isEqualTo(10_000);
    assertThat(c.holderBackoff().toMillis()).isEqualTo(2000);
    assertThat(c.idleTimeout().toMillis()).isEqualTo(60_000)
        .as("clients give up idle connections first (the keep-alive race)")
        .isGreaterThan(dev.hybridcdn.servicekit.http.KeepAlive.CLIENT_IDLE_S * 1000L);
    assertThat(c.writeTimeout().toMillis()).isEqualTo(20_000);
    assertThat(c.edgeUrls()).containsExactly("http://127.0.0.1:8082");
    assertThat(c.uploadSlots()).isEqualTo(4);
    assertThat(c.optimisticSlots()).isEqualTo(1);
    assertThat(c.heartbeat().toMillis()).isEqualTo(2000);
    assertThat(c.readAhead()).isEqualTo(3);
    assertThat(c.p2pEnabled()).isTrue();
    assertThat(c.common().topicPrefix()).isEqualTo("cdn.");
  }

  @Test
  void trackerUrlsIsAListAndTrackerUrlItsOneUrlSynonym() {
    assertThat(PeerConfig.from(new Env(Map.of("TRACKER_URLS", "http://t1:7070, http://t2:7071/"))).trackerUrls())
        .containsExactly("http://t1:7070", "http://t2:7071");
    assertThat(PeerConfig.from(new Env(Map.of("TRACKER_URL", "http://t1:7070"))).trackerUrls())
        .containsExactly("http://t1:7070");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("TRACKER_URL", "http://a:1", "TRACKER_URLS", "http://b:2"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_URL");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("TRACKER_URLS", "http://a:1,nope"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_URLS");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("WRITE_TIMEOUT_MS", "0"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WRITE_TIMEOUT_MS");
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("PEER_ID", "a/b"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PEER_ID");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("EDGE_URLS", "ftp://x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("EDGE_URLS");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("P2P_BUDGET_MS", "-1"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("P2P_BUDGET_MS");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("PLAYER_HEDGE_MS", "-5"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PLAYER_HEDGE_MS");
    assertThatThrownBy(() -> PeerConfig.from(new Env(Map.of("P2P_ENABLED", "maybe"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("P2P_ENABLED");
    assertThatThrownBy(() -> PeerHostConfig.from(new Env(Map.of("REGIONS", "eu-west,US EAST"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("REGIONS");
  }

  @Test
  void hostAssignsIdsPortsAndRegionsRoundRobin() {
    PeerHostConfig h = PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "3", "HTTP_PORT", "9100",
        "REGIONS", "eu-west,us-east")));
    assertThat(List.of(h.peer(0).peerId(), h.peer(1).peerId(), h.peer(2).peerId()))
        .containsExactly("peer-1", "peer-2", "peer-3");
    assertThat(List.of(h.peer(0).httpPort(), h.peer(2).httpPort())).containsExactly(9100, 9102);
    assertThat(List.of(h.peer(0).region(), h.peer(1).region(), h.peer(2).region()))
        .containsExactly("eu-west", "us-east", "eu-west");
  }

  @Test
  void peerAddressesGiveEachHostedPeerItsOwnBindAdvertisedAndSourceAddress() {
    PeerHostConfig h = PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "3", "HTTP_PORT", "0",
        "PEER_ADDRESSES", "127.0.1.1, 127.0.1.2", "BIND_HOST", "127.0.0.1")));
    assertThat(h.peer(0).bindHost()).isEqualTo("127.0.1.1");
    assertThat(h.peer(0).advertisedHost()).isEqualTo("127.0.1.1");
    assertThat(h.peer(1).sourceAddress()).isEqualTo("127.0.1.2");
    assertThat(h.peer(2).bindHost()).isEqualTo("127.0.0.1"); // beyond the list: BIND_HOST
    assertThat(h.peer(2).sourceAddress()).isEmpty();
    assertThatThrownBy(() -> PeerHostConfig.from(new Env(Map.of("PEER_ADDRESSES", "127.0.1.1,localhost"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PEER_ADDRESSES");
  }

  @Test
  void peerUplinksGiveEachHostedPeerItsOwnUploadRate() {
    PeerHostConfig h = PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "3", "UPLOAD_QUEUE_MS", "800",
        "PEER_UPLINKS", "2000000, 20000000")));
    assertThat(h.peer(0).uplink()).isEqualTo(new UplinkBudget.Limit(2_000_000, Duration.ofMillis(800)));
    assertThat(h.peer(1).uplink().bitsPerSecond()).isEqualTo(20_000_000);
    assertThat(h.peer(2).uplink().bitsPerSecond()).as("beyond the list: UPLINK_BITS_PER_SECOND").isZero();
    assertThatThrownBy(() -> PeerHostConfig.from(new Env(Map.of("PEER_UPLINKS", "2000000,2 Mbit/s"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PEER_UPLINKS");
  }

  @Test
  void peerRelaysPutSomeHostedPeersBehindNatWithAnotherHostedPeerAsRelay() {
    PeerHostConfig h = PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "4", "PEER_RELAYS", ",peer-4,, ")));
    assertThat(h.relayOf(0)).isNull();
    assertThat(h.relayOf(1)).isEqualTo("peer-4");
    assertThat(h.relayOf(2)).isNull();
    assertThat(h.relayOf(3)).isNull();
    assertThat(PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "2"))).relayOf(1)).isNull();
    // itself, a peer the host does not run, a NAT'd relay, more entries than peers
    for (String bad : List.of("peer-1", "peer-3", "peer-2,peer-1", "peer-9", "x,", ",,,")) {
      assertThatThrownBy(() -> PeerHostConfig.from(new Env(Map.of("PEER_COUNT", "2", "PEER_RELAYS", bad)))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("PEER_RELAYS");
    }
  }

  @Test
  void aOnePeerHostKeepsAnExplicitPeerIdElseUsesThePrefix() {
    assertThat(PeerHostConfig.from(new Env(Map.of("PEER_ID", "box-17"))).peer(0).peerId()).isEqualTo("box-17");
    assertThat(PeerHostConfig.from(new Env(Map.of("PEER_ID_PREFIX", "demo-peer-"))).peer(0).peerId())
        .isEqualTo("demo-peer-1");
  }
}
