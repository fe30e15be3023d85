package dev.hybridcdn.ops.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.ops.swarm.PlayerRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChaosTest {
  static final String SEG = "song/128k/seg00000.ts";

  static PlayerRequest master(int player, String song, long ts) {
    return new PlayerRequest(player, "peer-1", PlayerRequest.Kind.MASTER, "http://p/hls/" + song + "/master.m3u8", 200,
        null, -1, 100, 1000, ts, null, null);
  }

  static PlayerRequest segment(int player, String id, long ts, String sha) {
    return new PlayerRequest(player, "peer-1", PlayerRequest.Kind.SEGMENT, "http://p/segments/" + id, 200, "local", 0,
        100, 1000, ts, null, sha);
  }

  @Test
  void aSegmentIsStaleWhenItsBytesAreNotThoseOfTheManifestThePlayerHolds() {
    Reingest r = new Reingest("song", Map.of(SEG, "old"), Map.of(SEG, "new"), 1000);
    List<PlayerRequest> requests = List.of(
        master(1, "song", 10), segment(1, SEG, 20, "old"), segment(1, SEG, 1500, "new"), // old manifest, new bytes: stale
        master(2, "song", 1200), segment(2, SEG, 1300, "new"),                            // new manifest, new bytes
        master(3, "song", 1200), segment(3, SEG, 1300, "old"),                            // new manifest, old bytes: stale
        master(4, "other", 10), segment(4, "other/128k/seg00000.ts", 1300, "x"));         // another song
    assertThat(r.stale(requests)).isEqualTo(2);
  }

  @Test
  void scenariosAreNamedAsOnTheCommandLine() {
    assertThat(Scenario.of("kafka-outage")).isEqualTo(Scenario.KAFKA_OUTAGE);
    assertThatThrownBy(() -> Scenario.of("meteor")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--scenario").hasMessageContaining("peer-pause");
  }
}
