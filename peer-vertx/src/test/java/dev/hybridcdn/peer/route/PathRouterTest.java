package dev.hybridcdn.peer.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.peer.route.PathRanking.PeerPath;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which topology paths may carry a relayed segment (issue 15: only peers relay, at most 3 hops). */
class PathRouterTest {
  private static final Set<String> EDGES = Set.of("edge-1", "edge-2");

  private static String unusable(String... nodes) {
    return PathRouter.unusable(new PeerPath(List.of(nodes), 50), EDGES::contains);
  }

  @Test
  void pathsThroughOneOrTwoPeersCarryASegment() {
    assertThat(unusable("me", "relay", "holder")).isNull();
    assertThat(unusable("me", "r1", "r2", "holder")).isNull();
  }

  @Test
  void aPathThroughAnEdgeIsNoRelayPath() {
    // the RTT-shortest path often runs through an edge both ends measured: an edge does not relay
    assertThat(unusable("me", "edge-1", "holder")).isEqualTo("through the edge edge-1");
    assertThat(unusable("me", "r1", "edge-2", "holder")).isEqualTo("through the edge edge-2");
  }

  @Test
  void theDirectLinkAndPathsOverThreeHopsAreRefused() {
    assertThat(unusable("me", "holder")).isEqualTo("1 hops");
    assertThat(unusable("me", "a", "b", "c", "holder")).isEqualTo("4 hops");
  }
}
