package dev.hybridcdn.contract.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CdnPathsTest {
  @Test
  void buildsThePathsOfTheReadApi() {
    assertThat(CdnPaths.song("demo")).isEqualTo("/songs/demo");
    assertThat(CdnPaths.master("demo")).isEqualTo("/hls/demo/master.m3u8");
    assertThat(CdnPaths.mediaPlaylist("demo", "128k")).isEqualTo("/hls/demo/128k/playlist.m3u8");
    assertThat(CdnPaths.segment("demo/128k/seg00003.ts")).isEqualTo("/segments/demo/128k/seg00003.ts");
    assertThat(CdnPaths.segment("demo", "128k", "seg00003.ts")).isEqualTo("/segments/demo/128k/seg00003.ts");
    assertThat(CdnPaths.mediaPlaylistFromMaster("64k")).isEqualTo("64k/playlist.m3u8");
  }

  @Test
  void routesMatchTheBuilders() {
    assertThat(CdnPaths.MASTER_ROUTE.replace(":songId", "demo")).isEqualTo(CdnPaths.master("demo"));
    assertThat(CdnPaths.MEDIA_PLAYLIST_ROUTE.replace(":songId", "demo").replace(":rendition", "64k"))
        .isEqualTo(CdnPaths.mediaPlaylist("demo", "64k"));
    assertThat(CdnPaths.SONG_ROUTE.replace(":songId", "demo")).isEqualTo(CdnPaths.song("demo"));
  }

  @Test
  void segmentIdIsTheRestOfTheSegmentPath() {
    assertThat(CdnPaths.segmentIdOf("/segments/demo/128k/seg00003.ts")).isEqualTo("demo/128k/seg00003.ts");
    assertThat(CdnPaths.segmentIdOf("/songs/demo")).isEmpty();
    assertThat(CdnPaths.segmentIdOf(null)).isEmpty();
  }
}
