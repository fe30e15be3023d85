package dev.hybridcdn.peer.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.peer.fetch.TrackerClient.Holder;
import dev.hybridcdn.peer.route.PathRanking.PeerPath;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Path ranking (issue 15, item 1): path RTT first, then region, then load, then the tracker's order. */
class PathRankingTest {
  static Holder holder(String id, String region, Double trackerRtt, double load) {
    return new Holder(id, "http://127.0.0.1:1/" + id, region, trackerRtt, load);
  }

  static List<String> ids(List<Holder> hs) {
    return hs.stream().map(Holder::peerId).toList();
  }

  @Test
  void theShortestPathByRttWinsOverTheTrackersOrder() {
    List<Holder> tracker = List.of(holder("a", "eu", 5.0, 0), holder("b", "eu", 9.0, 0), holder("c", "eu", 20.0, 0));
    // The tracker knows only its own estimate; the graph knows c is 2 ms away through a relay.
    Map<String, PeerPath> paths = Map.of(
        "a", new PeerPath(List.of("me", "a"), 12.0),
        "b", new PeerPath(List.of("me", "b"), 7.5),
        "c", new PeerPath(List.of("me", "r", "c"), 2.0));
    assertThat(ids(PathRanking.rank(tracker, paths, "eu"))).containsExactly("c", "b", "a");
  }

  @Test
  void aHolderWithoutAPathFallsBackToTheTrackersRttAndOneWithNeitherGoesLast() {
    List<Holder> tracker = List.of(holder("none", "eu", null, 0), holder("t", "eu", 4.0, 0), holder("p", "eu", null, 0));
    Map<String, PeerPath> paths = Map.of("p", new PeerPath(List.of("me", "p"), 6.0));
    assertThat(ids(PathRanking.rank(tracker, paths, "eu"))).containsExactly("t", "p", "none");
  }

  @Test
  void equalRttsAreBrokenByRegionThenLoadThenTheTrackersOrder() {
    List<Holder> tracker = List.of(
        holder("far-idle", "us", null, 0.0),
        holder("near-busy", "eu", null, 0.75),
        holder("near-idle-2", "eu", null, 0.25),
        holder("near-idle-1", "eu", null, 0.25));
    // Within one whole ms: 10.2 and 9.8 both count as 10 ms.
    Map<String, PeerPath> paths = Map.of(
        "far-idle", new PeerPath(List.of("me", "far-idle"), 10.2),
        "near-busy", new PeerPath(List.of("me", "near-busy"), 9.8),
        "near-idle-2", new PeerPath(List.of("me", "near-idle-2"), 10.0),
        "near-idle-1", new PeerPath(List.of("me", "x", "near-idle-1"), 10.4));
    assertThat(ids(PathRanking.rank(tracker, paths, "eu")))
        .containsExactly("near-idle-2", "near-idle-1", "near-busy", "far-idle");
  }

  @Test
  void withoutAnyPathTheTrackersOrderStandsWhenItsHintsTie() {
    List<Holder> tracker = List.of(holder("x", "eu", null, 0), holder("y", "eu", null, 0), holder("z", "eu", null, 0));
    assertThat(ids(PathRanking.rank(tracker, Map.of(), "eu"))).containsExactly("x", "y", "z");
  }

  @Test
  void topologyAnswersAreParsedOnlyWhenTheyRunFromThisPeerToTheHolder() {
    Optional<PeerPath> ok = TopologyPaths.parse(
        "{\"from\":\"me\",\"to\":\"h\",\"metric\":\"rtt\",\"path\":[\"me\",\"r\",\"h\"],\"hops\":2,\"rttMs\":3.5}", "me", "h");
    assertThat(ok).hasValueSatisfying(p -> {
      assertThat(p.hops()).isEqualTo(2);
      assertThat(p.beyondSelf()).containsExactly("r", "h");
      assertThat(p.rttMs()).isEqualTo(3.5);
    });
    assertThat(TopologyPaths.parse("{\"path\":[\"other\",\"h\"],\"rttMs\":1}", "me", "h")).isEmpty();
    assertThat(TopologyPaths.parse("{\"path\":[\"me\",\"x\"],\"rttMs\":1}", "me", "h")).isEmpty();
    assertThat(TopologyPaths.parse("{\"path\":[\"me\",\"r\",\"me\",\"h\"],\"rttMs\":1}", "me", "h")).isEmpty();
    assertThat(TopologyPaths.parse("{\"path\":[\"me\",\"bad id\",\"h\"],\"rttMs\":1}", "me", "h")).isEmpty();
    assertThat(TopologyPaths.parse("{\"path\":[\"me\",\"h\"]}", "me", "h")).isEmpty();
    assertThat(TopologyPaths.parse("not json", "me", "h")).isEmpty();
  }
}
