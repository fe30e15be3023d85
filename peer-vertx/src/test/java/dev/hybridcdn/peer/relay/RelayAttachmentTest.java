package dev.hybridcdn.peer.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.peer.probe.Link;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which neighbour a NAT'd peer attaches to when its relay is gone (issue 15). */
class RelayAttachmentTest {
  private static Link measured(String id, double rttMs) {
    Link l = new Link(Link.Kind.PEER, id, "http://" + id, "eu-west");
    l.sample(rttMs);
    return l;
  }

  @Test
  void theNearestReachableNeighbourOtherThanTheFailedRelayIsChosen() {
    Link dead = measured("peer-1", 2);
    Link near = measured("peer-2", 9);
    Link far = measured("peer-3", 30);
    assertThat(RelayAttachment.nextRelay(List.of(far, dead, near), dead.url())).contains(near.url());
  }

  @Test
  void neighboursThatAreDownOrNeverAnsweredAreNotRelays() {
    Link down = measured("peer-2", 1);
    down.failed(0);
    Link unmeasured = new Link(Link.Kind.PEER, "peer-3", "http://peer-3", "eu-west");
    assertThat(RelayAttachment.nextRelay(List.of(down, unmeasured), "http://peer-1")).isEmpty();
  }
}
