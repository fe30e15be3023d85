package dev.hybridcdn.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackerClientTest {
  @Test
  void popularSongsKeepTheTrackersOrderAndSkipWhatIsNotASongOrARendition() {
    JsonObject body = new JsonObject("""
        {"songs":[
          {"songId":"hit","holders":12,"renditions":{"128k":9,"64k":3,"../x":4,"192k":"many"}},
          {"songId":"bad id!","holders":5,"renditions":{"128k":5}},
          "not an object",
          {"songId":"quiet","holders":1,"renditions":{"64k":1}}]}""");

    assertThat(TrackerClient.parsePopular(body)).containsExactly(
        new TrackerClient.PopularSong("hit", 12, Map.of("128k", 9, "64k", 3)),
        new TrackerClient.PopularSong("quiet", 1, Map.of("64k", 1)));
    assertThat(TrackerClient.parsePopular(new JsonObject())).isEmpty();
  }
}
