package dev.hybridcdn.origin.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.origin.manifest.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaPlaylistTest {
  private static final String FFMPEG_OUTPUT = """
      #EXTM3U
      #EXT-X-VERSION:3
      #EXT-X-TARGETDURATION:10
      #EXT-X-MEDIA-SEQUENCE:0
      #EXT-X-PLAYLIST-TYPE:VOD
      #EXTINF:10.112000,
      seg00000.ts
      #EXTINF:9.984000,
      seg00001.ts
      #EXTINF:3.208378,
      seg00002.ts
      #EXT-X-ENDLIST
      """;

  @Test
  void readsSegmentsWithExtinfDurationsInMs() {
    MediaPlaylist p = MediaPlaylist.parse(FFMPEG_OUTPUT);
    assertThat(p.entries()).containsExactly(new MediaPlaylist.Entry("seg00000.ts", 10112),
        new MediaPlaylist.Entry("seg00001.ts", 9984), new MediaPlaylist.Entry("seg00002.ts", 3208));
  }

  @Test
  void rewritesSegmentUrisToAbsoluteSegmentPathsAndKeepsTags() {
    String out = MediaPlaylist.parse(FFMPEG_OUTPUT).withAbsoluteSegmentPaths("demo", "128k");
    assertThat(out.lines().toList()).contains("/segments/demo/128k/seg00000.ts", "/segments/demo/128k/seg00002.ts",
        "#EXT-X-ENDLIST", "#EXTINF:10.112000,", "#EXT-X-PLAYLIST-TYPE:VOD").doesNotContain("seg00001.ts");
    assertThat(out).startsWith("#EXTM3U\n");
  }

  @Test
  void rejectsTextThatIsNotAPlaylist() {
    assertThatThrownBy(() -> MediaPlaylist.parse("hello\nseg.ts\n")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MediaPlaylist.parse("#EXTM3U\nseg.ts\n")).hasMessageContaining("without #EXTINF");
    assertThatThrownBy(() -> MediaPlaylist.parse("#EXTM3U\n#EXTINF:abc,\nseg.ts\n")).hasMessageContaining("bad #EXTINF");
  }

  @Test
  void masterPlaylistListsEveryRenditionRelativelyWithMeasuredBandwidth() {
    Manifest m = new Manifest("demo", "Demo", 20_000, List.of(
        new Manifest.Rendition("64k", 64, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/64k/seg00000.ts", 0, 10_000, 80_000, "a"),
            new Manifest.Segment("demo/64k/seg00001.ts", 1, 10_000, 100_000, "b"))),
        new Manifest.Rendition("128k", 128, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/128k/seg00000.ts", 0, 10_000, 160_000, "c")))));
    String master = Ingester.masterPlaylist(m);
    assertThat(master.lines().toList()).containsExactly("#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-STREAM-INF:BANDWIDTH=80000,AVERAGE-BANDWIDTH=72000,CODECS=\"mp4a.40.2\"", "64k/playlist.m3u8",
        "#EXT-X-STREAM-INF:BANDWIDTH=128000,AVERAGE-BANDWIDTH=128000,CODECS=\"mp4a.40.2\"", "128k/playlist.m3u8");
  }

  @Test
  void sha256IsLowerCaseHex() {
    assertThat(Ingester.sha256("abc".getBytes()))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
