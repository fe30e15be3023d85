package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Relays of a local stack's NAT'd peers (issue 15): same region first, spread, deterministic. */
class RelayPlanTest {
  private static RelayPlan.Peer pub(String id, String region) {
    return new RelayPlan.Peer(id, region, true);
  }

  private static RelayPlan.Peer nat(String id, String region) {
    return new RelayPlan.Peer(id, region, false);
  }

  @Test
  void aNatdPeerGetsTheLeastLoadedPublicPeerOfItsRegion() {
    List<RelayPlan.Peer> peers = List.of(pub("p1", "eu"), pub("p2", "us"), pub("p3", "eu"), nat("n1", "eu"),
        nat("n2", "eu"), nat("n3", "us"), nat("n4", "eu"));
    Map<String, String> plan = RelayPlan.assign(peers);
    // n1 and n2 spread over eu's two public peers, then back to the first; n3 stays in us
    assertThat(plan).containsExactly(Map.entry("n1", "p1"), Map.entry("n2", "p3"), Map.entry("n3", "p2"),
        Map.entry("n4", "p1"));
    assertThat(RelayPlan.assign(peers)).as("deterministic").isEqualTo(plan);
    assertThat(plan).doesNotContainValue("n1");
  }

  @Test
  void pastTheSoftCapAnotherRegionsPeerTakesOverAndNoRelayCarriesTooMany() {
    List<RelayPlan.Peer> peers = new ArrayList<>(List.of(pub("eu-1", "eu"), pub("us-1", "us"), pub("us-2", "us")));
    for (int i = 1; i <= 8; i++) {
      peers.add(nat("n" + i, "eu"));
    }
    Map<String, String> plan = RelayPlan.assign(peers);
    assertThat(plan).hasSize(8);
    long onEu = plan.values().stream().filter("eu-1"::equals).count();
    assertThat(onEu).isEqualTo(RelayPlan.SOFT_CAP);
    // the rest spread over us: at most one apart
    long us1 = Collections.frequency(plan.values(), "us-1");
    long us2 = Collections.frequency(plan.values(), "us-2");
    assertThat(us1 + us2).isEqualTo(5);
    assertThat(Math.abs(us1 - us2)).isLessThanOrEqualTo(1);
  }

  @Test
  void withoutAPublicPeerThereIsNoRelay() {
    assertThat(RelayPlan.assign(List.of(nat("n1", "eu"), nat("n2", "eu")))).isEmpty();
  }

  @Test
  void aNewcomerCountsTheRelaysAlreadyPlaced() {
    RelayPlan plan = new RelayPlan(List.of(pub("p1", "eu"), pub("p2", "eu"), nat("n1", "eu")));
    plan.carries("p1");
    assertThat(plan.relayFor(nat("n2", "eu"))).contains("p2");
    assertThat(plan.load()).containsEntry("p1", 1).containsEntry("p2", 1);
  }
}
