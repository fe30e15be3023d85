package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class PeerStateTest {
  @Test
  void serdeRoundTripsAnnouncedAndPendingPeers() {
    var serde = PeerState.serde();
    PeerState s = new PeerState("p1", true, "eu-west", "http://127.0.0.1:9000", 4, 1000, 1, 2, 3, 2, 12.5, 7, 8, 9,
        10, 11, Map.of("p2", 3.5));
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s))).isEqualTo(s);
    PeerState pending = PeerState.pending("p3", 99);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", pending))).isEqualTo(pending);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void loadIsActiveUploadsOverSlotsAndLinksAreBounded() {
    PeerState s = new PeerState("p1", true, "eu-west", "http://h", 4, 0, 0, 0, 0, 1, null, 0, 0, 0, 0, 0, Map.of());
    assertThat(s.load()).isEqualTo(0.25);
    for (int i = 0; i < PeerState.MAX_LINKS + 10; i++) {
      s = s.withLink("n" + i, i);
    }
    assertThat(s.links()).hasSize(PeerState.MAX_LINKS).containsKey("n" + (PeerState.MAX_LINKS + 9))
        .doesNotContainKey("n0");
  }
}
