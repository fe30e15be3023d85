package dev.hybridcdn.topology.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.topology.graph.PeerGraph;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Frame schemas and the hub's push choice, without a server. */
class SignalMessageTest {
  @Test
  void everyTypeParsesWithExactlyItsFields() {
    assertThat(SignalMessage.parse("{\"type\":\"hello\",\"peerId\":\"p-1\",\"region\":\"eu-west\"}").string("peerId"))
        .isEqualTo("p-1");
    assertThat(SignalMessage.parse("{\"type\":\"start\",\"songId\":\"s\",\"rendition\":\"64k\",\"segments\":9}")
        .integer("segments")).isEqualTo(9);
  }

  @Test
  void eachBreachHasItsReason() {
    assertReason("{\"type\":\"start\",\"songId\":\"s\",\"rendition\":\"64k\",\"segments\":0}", "invalid_field");
    assertReason("{\"type\":\"start\",\"songId\":\"s\",\"rendition\":\"64k\",\"segments\":1.5}", "invalid_field");
    assertReason("{\"type\":\"playing\",\"songId\":\"s\",\"rendition\":\"hi\",\"index\":0}", "invalid_field");
    assertReason("{\"type\":\"hello\",\"peerId\":\"p\"}", "missing_field");
    assertReason("{\"type\":null}", "unknown_type");
    assertReason("\"hello\"", "not_json");
    assertReason("x".repeat(SignalMessage.MAX_FRAME_CHARS + 1), "frame_too_large");
  }

  @Test
  void pushesGoToRegionsWithoutTheSongOncePerRegion() {
    SignallingHub hub = new SignallingHub(new PeerGraph(), 2, 1);
    Map<String, List<JsonObject>> inbox = new java.util.HashMap<>();
    for (String[] p : new String[][] {{"a1", "eu"}, {"a2", "eu"}, {"b1", "us"}}) {
      List<JsonObject> box = new ArrayList<>();
      inbox.put(p[0], box);
      hub.hello(p[0], p[1], new SignallingHub.Channel() {
        @Override
        public void send(JsonObject message) {
          box.add(message);
        }

        @Override
        public void close(String reason) { }
      });
    }
    hub.join("b1", "song");
    assertThat(hub.pushFirstSegments("song", Map.of("64k", 5), "published")).hasSize(1).allMatch(p -> p.startsWith("a"));
    assertThat(hub.pushFirstSegments("song", Map.of("64k", 5), "hot")).as("eu was pushed it already").isEmpty();
    assertThat(inbox.get("b1")).noneMatch(m -> "push".equals(m.getString("type")));
    hub.forgetPushes("song"); // a new version
    assertThat(hub.pushFirstSegments("song", Map.of("64k", 1), "published")).hasSize(1);
  }

  private static void assertReason(String frame, String reason) {
    assertThatThrownBy(() -> SignalMessage.parse(frame)).isInstanceOf(SignalMessage.Invalid.class)
        .extracting(e -> ((SignalMessage.Invalid) e).reason()).isEqualTo(reason);
  }
}
