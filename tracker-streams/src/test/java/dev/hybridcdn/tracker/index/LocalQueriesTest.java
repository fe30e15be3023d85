package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalQueriesTest {
  @Test
  void popularSongsAreOrderedByHoldingsWithTheirRenditions() {
    Map<String, Integer> counts = Map.of(
        "song-a/128k/seg00000.ts", 3, "song-a/128k/seg00001.ts", 2, "song-a/64k/seg00000.ts", 1,
        "song-b/128k/seg00000.ts", 9,
        "song-c/192k/seg00000.ts", 6, "song-c/192k/seg00001.ts", 0);

    List<Object> songs = LocalQueries.popular(counts, 10).getJsonArray("songs").getList();

    assertThat(songs).extracting(o -> ((JsonObject) o).getString("songId"))
        .containsExactly("song-b", "song-a", "song-c");
    JsonObject a = (JsonObject) songs.get(1);
    assertThat(a.getInteger("holders")).isEqualTo(6);
    assertThat(a.getJsonObject("renditions").getMap()).isEqualTo(Map.of("128k", 5, "64k", 1));
  }

  @Test
  void popularKeepsTheLimitAndBreaksTiesBySongId() {
    Map<String, Integer> counts = Map.of("b/128k/s0.ts", 2, "a/128k/s0.ts", 2, "c/128k/s0.ts", 1);

    assertThat(LocalQueries.popular(counts, 2).getJsonArray("songs").getList())
        .extracting(o -> ((JsonObject) o).getString("songId")).containsExactly("a", "b");
    assertThat(LocalQueries.popular(Map.of(), 5).getJsonArray("songs").getList()).isEmpty();
  }
}
