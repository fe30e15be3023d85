package dev.hybridcdn.ops.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.swarm.PlayerRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The eval's latency breakdown by how the peer got each segment (X-CDN-Answer). */
class AnswerFiguresTest {
  static PlayerRequest req(int player, PlayerRequest.Kind kind, long ts, long ms, String source, String answer) {
    return new PlayerRequest(player, "peer-1", kind, "http://p/x", 200, source, 1, 1000, ms * 1000, ts, null, null,
        answer);
  }

  @Test
  void aHeaderParsesAndAMissingOneIsUnknown() {
    AnswerFigures.Answer a = AnswerFigures.Answer.parse("hedge; ahead=20000; busy=3; up=2");
    assertThat(a).isEqualTo(new AnswerFigures.Answer("hedge", 20_000, 3, 2, null, -1));
    assertThat(AnswerFigures.Answer.parse(null)).isEqualTo(new AnswerFigures.Answer("?", -1, -1, -1, null, -1));
    assertThat(AnswerFigures.Answer.parse("local; ahead=x")).isEqualTo(new AnswerFigures.Answer("local", -1, -1, -1,
        null, -1));
    assertThat(AnswerFigures.Answer.parse("hedge; ahead=0; busy=1; up=0; of=next; hedged-after=0"))
        .isEqualTo(new AnswerFigures.Answer("hedge", 0, 1, 0, "next", 0));
  }

  @Test
  void aMissGroupsByTheReadAheadItJoinedAndAHedgeByItsWait() {
    List<PlayerRequest> segs = List.of(
        req(1, PlayerRequest.Kind.SEGMENT, 1, 400, "edge", "hedge; ahead=0; busy=1; up=0; of=player; hedged-after=300"),
        req(1, PlayerRequest.Kind.SEGMENT, 2, 120, "edge", "hedge; ahead=0; busy=1; up=0; of=next; hedged-after=0"),
        req(1, PlayerRequest.Kind.SEGMENT, 3, 180, "edge", "hedge; ahead=0; busy=1; up=0; of=next; hedged-after=0"),
        req(1, PlayerRequest.Kind.SEGMENT, 4, 90, "peer", "joined; ahead=0; busy=1; up=0; of=p2p-window"));
    EvalTable t = AnswerFigures.byHow("hybrid", segs);
    assertThat(t.rows()).extracting(r -> r.get(0) + " " + r.get(1)).containsExactly(
        "hedge of next, at once (edge) 2", "hedge, waited (edge) 1", "joined of p2p-window (peer) 1");
  }

  @Test
  void requestsGroupByHowAndTierLargestFirst() {
    List<PlayerRequest> segs = List.of(
        req(1, PlayerRequest.Kind.SEGMENT, 1, 2, "local", "local; ahead=10000; busy=0; up=0"),
        req(1, PlayerRequest.Kind.SEGMENT, 2, 4, "local", "local; ahead=0; busy=1; up=0"),
        req(1, PlayerRequest.Kind.SEGMENT, 3, 1200, "edge", "hedge; ahead=0; busy=2; up=3"));
    EvalTable t = AnswerFigures.byHow("hybrid", segs);
    assertThat(t.rows()).hasSize(2);
    assertThat(t.rows().get(0).subList(0, 4)).containsExactly("local (local)", "2", "66.7%", "3.0");
    assertThat(t.rows().get(1).get(0)).isEqualTo("hedge (edge)");
    assertThat(t.rows().get(1).get(6)).as("over 1000 ms").isEqualTo("1");
    assertThat(t.rows().get(1).get(7)).as("fetches under way").isEqualTo("2.0");
  }

  @Test
  void startUpIsEachSongsMasterItsPlaylistAndItsFirstSegment() {
    List<PlayerRequest> reqs = List.of(
        req(1, PlayerRequest.Kind.MASTER, 10, 100, null, null),
        req(1, PlayerRequest.Kind.PLAYLIST, 20, 50, null, null),
        req(1, PlayerRequest.Kind.SEGMENT, 30, 300, "edge", "edge-first; ahead=0; busy=0; up=1"),
        req(1, PlayerRequest.Kind.SEGMENT, 40, 5, "local", "local; ahead=10000; busy=1; up=0"),
        req(1, PlayerRequest.Kind.PLAYLIST, 50, 70, null, null)); // a switch: not start-up
    EvalTable t = AnswerFigures.leadAndStartup(Map.of("hybrid", reqs));
    Map<String, String> hybrid = new java.util.HashMap<>();
    t.rows().forEach(r -> hybrid.put(r.get(0), r.get(2)));
    assertThat(hybrid.get("start-up: media playlist avg / p95, ms")).isEqualTo("50.0 / 50.0");
    assertThat(hybrid.get("start-up: first segment avg / p95, ms")).isEqualTo("300.0 / 300.0");
    assertThat(hybrid.get("start-up: first segment by how (count, avg ms)")).isEqualTo("edge-first (edge) 1, 300.0");
    assertThat(hybrid.get("segment requests with nothing cached after them (lead 0)")).isEqualTo("50.0%");
    assertThat(t.rows().get(0).get(1)).as("no traditional CDN phase given").isEqualTo("-");

    List<PlayerRequest> edgeOnly = List.of(req(2, PlayerRequest.Kind.MASTER, 10, 60, null, null),
        req(2, PlayerRequest.Kind.PLAYLIST, 20, 50, null, null), req(2, PlayerRequest.Kind.SEGMENT, 30, 70, "edge", null));
    EvalTable cdn = AnswerFigures.leadAndStartup(Map.of("traditional CDN", edgeOnly));
    assertThat(cdn.rows().get(5).get(1)).as("an edge's answer has no X-CDN-Answer: the tier alone").isEqualTo("edge 1, 70.0");
  }
}
