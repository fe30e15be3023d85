package dev.hybridcdn.topology.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hybridcdn.schemas.events.NodeKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerGraphTest {

  /** Best hops and best RTT over every simple path, by exhaustive depth-first search. */
  private record Brute(int hops, double rtt) {}

  private static Brute bruteForce(double[][] w, int from, int to) {
    int[] bestHops = {Integer.MAX_VALUE};
    double[] bestRtt = {Double.POSITIVE_INFINITY};
    boolean[] seen = new boolean[w.length];
    seen[from] = true;
    dfs(w, from, to, seen, 0, 0.0, bestHops, bestRtt);
    return bestHops[0] == Integer.MAX_VALUE ? null : new Brute(bestHops[0], bestRtt[0]);
  }

  private static void dfs(double[][] w, int at, int to, boolean[] seen, int hops, double rtt, int[] bestHops,
      double[] bestRtt) {
    if (at == to) {
      bestHops[0] = Math.min(bestHops[0], hops);
      bestRtt[0] = Math.min(bestRtt[0], rtt);
      return;
    }
    for (int next = 0; next < w.length; next++) {
      if (!seen[next] && !Double.isNaN(w[at][next])) {
        seen[next] = true;
        dfs(w, next, to, seen, hops + 1, rtt + w[at][next], bestHops, bestRtt);
        seen[next] = false;
      }
    }
  }

  @Test
  void bfsAndDijkstraMatchBruteForceOnRandomGraphsIncludingDisconnectedOnes() {
    int disconnectedPairs = 0;
    int connectedPairs = 0;
    for (long seed = 0; seed < 400; seed++) {
      Random random = new Random(seed);
      int n = 1 + random.nextInt(9);
      double density = random.nextDouble() * 0.6; // low densities give several components
      double[][] w = new double[n][n];
      for (double[] row : w) {
        java.util.Arrays.fill(row, Double.NaN);
      }
      PeerGraph graph = new PeerGraph();
      for (int i = 0; i < n; i++) {
        graph.upsertNode("n" + i, NodeKind.PEER, "eu-west", true);
      }
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          if (random.nextDouble() < density) {
            // Sometimes both directions are measured; the link's RTT is their mean.
            double ab = Math.round(random.nextDouble() * 100 * 4) / 4.0;
            graph.measureLink("n" + i, "n" + j, NodeKind.PEER, null, ab);
            double rtt = ab;
            if (random.nextBoolean()) {
              double ba = Math.round(random.nextDouble() * 100 * 4) / 4.0;
              graph.measureLink("n" + j, "n" + i, NodeKind.PEER, null, ba);
              rtt = (ab + ba) / 2;
            }
            w[i][j] = rtt;
            w[j][i] = rtt;
          }
        }
      }
      for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
          Brute expected = bruteForce(w, a, b);
          Optional<PathResult> hops = graph.path("n" + a, "n" + b, PathMetric.HOPS);
          Optional<PathResult> rtt = graph.path("n" + a, "n" + b, PathMetric.RTT);
          String where = "seed " + seed + " n" + a + "->n" + b;
          if (expected == null) {
            disconnectedPairs++;
            assertThat(hops).as(where).isEmpty();
            assertThat(rtt).as(where).isEmpty();
            continue;
          }
          connectedPairs++;
          assertThat(hops).as(where).isPresent();
          assertThat(hops.get().hops()).as(where).isEqualTo(expected.hops());
          assertValidPath(w, hops.get(), a, b, where);
          assertThat(rtt).as(where).isPresent();
          assertThat(rtt.get().rttMs()).as(where).isCloseTo(expected.rtt(), within(1e-9));
          assertValidPath(w, rtt.get(), a, b, where);
        }
      }
    }
    assertThat(disconnectedPairs).isGreaterThan(100);
    assertThat(connectedPairs).isGreaterThan(1000);
  }

  private static void assertValidPath(double[][] w, PathResult result, int a, int b, String where) {
    List<String> path = result.path();
    assertThat(path.get(0)).as(where).isEqualTo("n" + a);
    assertThat(path.get(path.size() - 1)).as(where).isEqualTo("n" + b);
    assertThat(path).as(where + " visits no node twice").doesNotHaveDuplicates();
    assertThat(result.hops()).as(where).isEqualTo(path.size() - 1);
    double sum = 0;
    for (int i = 1; i < path.size(); i++) {
      double link = w[Integer.parseInt(path.get(i - 1).substring(1))][Integer.parseInt(path.get(i).substring(1))];
      assertThat(link).as(where + " uses only existing links").isNotNaN();
      sum += link;
    }
    assertThat(result.rttMs()).as(where + " rttMs is the sum of the links").isCloseTo(sum, within(1e-9));
  }

  @Test
  void hopsAndRttCanChooseDifferentPaths() {
    PeerGraph graph = new PeerGraph();
    graph.measureLink("a", "b", NodeKind.PEER, null, 100);
    graph.measureLink("a", "c", NodeKind.PEER, null, 5);
    graph.measureLink("c", "d", NodeKind.PEER, null, 5);
    graph.measureLink("d", "b", NodeKind.PEER, null, 5);

    PathResult hops = graph.path("a", "b", PathMetric.HOPS).orElseThrow();
    PathResult rtt = graph.path("a", "b", PathMetric.RTT).orElseThrow();

    assertThat(hops.path()).containsExactly("a", "b");
    assertThat(hops.rttMs()).isEqualTo(100.0);
    assertThat(rtt.path()).containsExactly("a", "c", "d", "b");
    assertThat(rtt.hops()).isEqualTo(3);
    assertThat(rtt.rttMs()).isEqualTo(15.0);
  }

  @Test
  void removingANodeRemovesItFromEveryPath() {
    PeerGraph graph = new PeerGraph();
    // Two routes from a to z: through the hub (short, fast) and around a ring (long, slow).
    for (String leaf : List.of("a", "z", "b")) {
      graph.measureLink(leaf, "hub", NodeKind.PEER, null, 1);
    }
    graph.measureLink("a", "r1", NodeKind.PEER, null, 50);
    graph.measureLink("r1", "r2", NodeKind.PEER, null, 50);
    graph.measureLink("r2", "z", NodeKind.PEER, null, 50);
    assertThat(graph.path("a", "z", PathMetric.HOPS).orElseThrow().path()).contains("hub");
    assertThat(graph.path("a", "z", PathMetric.RTT).orElseThrow().path()).contains("hub");

    graph.removeNode("hub");

    for (PathMetric metric : PathMetric.values()) {
      PathResult p = graph.path("a", "z", metric).orElseThrow();
      assertThat(p.path()).containsExactly("a", "r1", "r2", "z");
      assertThat(p.rttMs()).isEqualTo(150.0);
    }
    assertThatThrownBy(() -> graph.path("hub", "a", PathMetric.RTT)).isInstanceOf(UnknownNodeException.class);
    // b was only known through its link to the hub: it went with that link.
    assertThat(graph.node("b")).isEmpty();
    assertThat(graph.neighbors("a")).extracting(PeerGraph.Neighbor::id).containsExactly("r1");
  }

  @Test
  void aPeersOnlyPathNeverRunsThroughAnEdgeButMayEndAtOne() {
    PeerGraph graph = new PeerGraph();
    // Issue 15: a, the NAT'd holder n and the relay r all measured edge-1, which is the faster way round.
    graph.measureLink("a", "edge-1", NodeKind.EDGE, null, 20);
    graph.measureLink("n", "edge-1", NodeKind.EDGE, null, 20);
    graph.measureLink("a", "r", NodeKind.PEER, null, 40);
    graph.measureLink("n", "r", NodeKind.PEER, null, 40);
    for (PathMetric metric : PathMetric.values()) {
      assertThat(graph.path("a", "n", metric, false).orElseThrow().path()).containsExactly("a", "edge-1", "n");
      PathResult relay = graph.path("a", "n", metric, true).orElseThrow();
      assertThat(relay.path()).as(metric.name()).containsExactly("a", "r", "n");
      assertThat(relay.rttMs()).isEqualTo(80.0);
      // an edge at an end is allowed: the path to the nearest edge is not a relay path
      assertThat(graph.path("r", "edge-1", metric, true).orElseThrow().path()).hasSize(3);
    }
    graph.removeNode("r");
    assertThat(graph.path("a", "n", PathMetric.RTT, true)).isEmpty();
    assertThat(graph.path("a", "n", PathMetric.HOPS, true)).isEmpty();
    assertThat(graph.path("a", "n", PathMetric.RTT, false)).isPresent();
  }

  @Test
  void aLinkStaysWhileOneDirectionIsMeasuredAndImplicitNodesGoWithTheirLastLink() {
    PeerGraph graph = new PeerGraph();
    graph.upsertNode("a", NodeKind.PEER, "eu-west", true);
    graph.measureLink("a", "e1", NodeKind.EDGE, "eu-west", 10);
    graph.measureLink("b", "a", NodeKind.PEER, null, 20);
    graph.measureLink("a", "b", NodeKind.PEER, null, 30);
    assertThat(graph.neighbors("a")).extracting(PeerGraph.Neighbor::id, PeerGraph.Neighbor::rttMs)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("e1", 10.0), org.assertj.core.groups.Tuple.tuple("b", 25.0));
    assertThat(graph.node("e1").orElseThrow().kind()).isEqualTo(NodeKind.EDGE);
    assertThat(graph.node("e1").orElseThrow().region()).isEqualTo("eu-west");

    graph.dropMeasurement("a", "b");
    assertThat(graph.path("a", "b", PathMetric.RTT).orElseThrow().rttMs()).isEqualTo(20.0);
    graph.dropMeasurement("b", "a");
    assertThat(graph.node("b")).as("b was never announced").isEmpty();
    graph.dropMeasurement("a", "e1");
    assertThat(graph.node("e1")).isEmpty();
    assertThat(graph.node("a")).as("a announced itself and stays without links").isPresent();
    assertThat(graph.linkCount()).isZero();
  }

  @Test
  void unknownNodesAndSameNodeQueries() {
    PeerGraph graph = new PeerGraph();
    graph.measureLink("a", "b", NodeKind.PEER, null, 3);
    graph.upsertNode("lonely", NodeKind.PEER, "us-east", true);

    assertThatThrownBy(() -> graph.path("x", "a", PathMetric.HOPS))
        .isInstanceOf(UnknownNodeException.class).extracting("nodeId").isEqualTo("x");
    assertThatThrownBy(() -> graph.path("a", "y", PathMetric.RTT))
        .isInstanceOf(UnknownNodeException.class).extracting("nodeId").isEqualTo("y");
    assertThat(graph.path("a", "lonely", PathMetric.HOPS)).isEmpty();
    PathResult self = graph.path("a", "a", PathMetric.RTT).orElseThrow();
    assertThat(self.path()).containsExactly("a");
    assertThat(self.hops()).isZero();
    assertThat(self.rttMs()).isZero();
  }

  @Test
  void rejectsSelfLoopsAndBadRtts() {
    PeerGraph graph = new PeerGraph();
    assertThatThrownBy(() -> graph.measureLink("a", "a", NodeKind.PEER, null, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> graph.measureLink("a", "b", NodeKind.PEER, null, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> graph.measureLink("a", "b", NodeKind.PEER, null, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(graph.nodeCount()).isZero();
  }

  @Test
  void listenersSeeVisibleChangesInOrder() {
    PeerGraph graph = new PeerGraph();
    List<GraphChange> seen = new ArrayList<>();
    graph.addListener(seen::add);
    graph.upsertNode("a", NodeKind.PEER, "eu-west", true);
    graph.measureLink("b", "a", NodeKind.PEER, null, 4);
    graph.measureLink("b", "a", NodeKind.PEER, null, 4); // same RTT: nothing visible
    graph.removeNode("a");

    assertThat(seen).containsExactly(
        new GraphChange.NodeUpserted("a", NodeKind.PEER, "eu-west"),
        new GraphChange.NodeUpserted("b", NodeKind.PEER, null),
        new GraphChange.LinkUpserted("a", "b", 4.0),
        new GraphChange.LinkRemoved("a", "b"),
        new GraphChange.NodeRemoved("a"),
        new GraphChange.NodeRemoved("b"));
  }
}
