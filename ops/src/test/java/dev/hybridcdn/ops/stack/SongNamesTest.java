package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.Ids;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SongNamesTest {
  @Test
  void shippedTracksGetValidSongIdsAndReadableTitles() {
    for (String file : new String[] {"manolo_camp-morning_coffee.mp3", "macroform-cold_day.mp3", "reno_project-system.mp3"}) {
      assertThat(Ids.isSongId(MediaFiles.songId(Path.of("media", file)))).as(file).isTrue();
    }
    assertThat(MediaFiles.songId(Path.of("media/manolo_camp-morning_coffee.mp3"))).isEqualTo("manolo-camp-morning-coffee");
    assertThat(MediaFiles.title(Path.of("media/manolo_camp-morning_coffee.mp3"))).isEqualTo("Morning Coffee");
    assertThat(MediaFiles.title(Path.of("media/reno_project-system.mp3"))).isEqualTo("System");
    assertThat(MediaFiles.title(Path.of("solo.mp3"))).isEqualTo("Solo");
  }

  @Test
  void oddFileNamesStillGiveValidIds() {
    assertThat(Ids.isSongId(MediaFiles.songId(Path.of("My Song (Live).MP3")))).isTrue();
    assertThat(MediaFiles.songId(Path.of("x".repeat(100) + ".mp3"))).hasSize(64);
  }
}
