package dev.hybridcdn.ops.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {
  private static PeerRef peer(int i) {
    return new PeerRef("peer-" + i, "eu-west", "http://127.0.0.1:" + (9000 + i));
  }

  @Test
  void churnMayTakeAnyPeerThoseWithPlayersIncluded() {
    PeerDirectory d = new PeerDirectory(List.of(peer(1), peer(2), peer(3)));
    Random r = new Random(3);
    for (int i = 0; i < 3; i++) {
      d.attach(r);
    }
    for (int i = 0; i < 3; i++) {
      Optional<PeerRef> victim = d.reserve(r, 0);
      assertThat(victim).isPresent();
      d.remove(victim.get().peerId());
    }
    assertThat(d.live()).isEmpty();
  }

  @Test
  void aLeavingPeerGetsNoNewPlayerAndTheMinimumStaysLive() {
    PeerDirectory d = new PeerDirectory(List.of(peer(1), peer(2)));
    Random r = new Random(5);
    PeerRef leaving = d.reserve(r, 1).orElseThrow();
    for (int i = 0; i < 20; i++) {
      assertThat(d.attach(r).peerId()).isNotEqualTo(leaving.peerId());
    }
    assertThat(d.reserve(r, 1)).as("only one peer would be left").isEmpty();
    String staying = leaving.peerId().equals("peer-1") ? "peer-2" : "peer-1";
    d.remove(leaving.peerId());
    d.add(peer(7));
    assertThat(d.live()).extracting(PeerRef::peerId).containsExactly(staying, "peer-7");
  }

  @Test
  void attachFailsWithoutPeers() {
    assertThatThrownBy(() -> new PeerDirectory(List.of()).attach(new Random()))
        .isInstanceOf(IllegalStateException.class);
  }
}
