package dev.hybridcdn.peer.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A peer's measured links as the tracker lists them, read as relay candidates (issue 15). */
class PeerDirectoryTest {
  @Test
  void linksAreOrderedNearestFirstWithTiesById() {
    JsonObject links = new JsonObject().put("peer-9", 12.5).put("peer-2", 3).put("peer-4", 3.0).put("edge-1", 40);
    assertThat(PeerDirectory.byRtt(links)).containsExactly("peer-2", "peer-4", "peer-9", "edge-1");
  }

  @Test
  void entriesThatAreNotNodeIdsWithAnRttAreDropped() {
    JsonObject links = new JsonObject().put("peer-1", 5).put("not an id", 1).put("peer-2", "fast")
        .put("peer-3", -1).put("peer-4", (Object) null).put("peer-5", Double.NaN);
    assertThat(PeerDirectory.byRtt(links)).containsExactly("peer-1");
    assertThat(PeerDirectory.byRtt(null)).isEmpty();
  }
}
