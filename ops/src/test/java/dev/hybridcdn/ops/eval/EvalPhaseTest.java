package dev.hybridcdn.ops.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13's P2P share is what the peers downloaded and kept, by source, not what holders uploaded. */
class EvalPhaseTest {
  static EvalPhase withFetches(Map<String, Long> fetches) {
    return new EvalPhase(null, List.of(), List.of(), 0, null, null, null, List.of(), fetches);
  }

  @Test
  void keptBytesAddUpTheLedgersBytesByTierAndIgnoreItsCounts() {
    EvalPhase p = withFetches(Map.of(
        "bytes.p2p_window.peer", 700L, "bytes.player.peer", 100L,
        "bytes.http_window.edge", 150L, "bytes.next.origin", 40L, "bytes.hedge.edge", 10L,
        "segments.p2p_window.peer", 7L, "holder_busy", 99L, "upload_rejections", 5L));

    assertThat(p.keptBytes(true)).isEqualTo(800);
    assertThat(p.keptBytes(false)).isEqualTo(1000);
  }

  @Test
  void aPhaseWithoutPeersKeptNothing() {
    EvalPhase p = withFetches(Map.of());

    assertThat(p.keptBytes(true)).isZero();
    assertThat(p.keptBytes(false)).isZero();
  }
}
