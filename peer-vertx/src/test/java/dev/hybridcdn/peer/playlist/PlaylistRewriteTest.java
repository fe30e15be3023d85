package dev.hybridcdn.peer.playlist;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlaylistRewriteTest {
  @Test
  void absolutePathsStayAsTheyAre() {
    String media = "#EXTM3U\n#EXTINF:10.0,\n/segments/demo/128k/seg00000.ts\n#EXT-X-ENDLIST\n";
    assertThat(PlaylistRewrite.rewrite(media, "demo", "128k")).isEqualTo(media);
  }

  @Test
  void absoluteUrlsAndBareFileNamesPointBackAtThePeer() {
    String media = "#EXTM3U\n#EXTINF:10.0,\nhttp://edge:8082/segments/demo/128k/seg00000.ts\n#EXTINF:10.0,\nseg00001.ts";
    assertThat(PlaylistRewrite.rewrite(media, "demo", "128k")).isEqualTo(
        "#EXTM3U\n#EXTINF:10.0,\n/segments/demo/128k/seg00000.ts\n#EXTINF:10.0,\n/segments/demo/128k/seg00001.ts");
  }

  @Test
  void masterPlaylistKeepsRelativeMediaPlaylists() {
    String master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=128000\n128k/playlist.m3u8\n";
    assertThat(PlaylistRewrite.rewrite(master, "demo", null)).isEqualTo(master);
  }
}
