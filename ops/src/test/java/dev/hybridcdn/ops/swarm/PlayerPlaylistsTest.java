package dev.hybridcdn.ops.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.contract.hls.Playlists;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The playlists as the swarm's players read them (through http-contract's {@link Playlists}). */
class PlayerPlaylistsTest {
  @Test
  void masterVariantsResolveRelativeToThePlaylist() {
    String master = """
        #EXTM3U
        #EXT-X-VERSION:3
        #EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2"
        64k/playlist.m3u8
        #EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"
        128k/playlist.m3u8
        """;
    List<Playlists.VariantEntry> v = Playlists.variants("http://127.0.0.1:9000/hls/demo/master.m3u8", master);
    assertThat(v).containsExactly(
        new Playlists.VariantEntry("http://127.0.0.1:9000/hls/demo/64k/playlist.m3u8", 64000),
        new Playlists.VariantEntry("http://127.0.0.1:9000/hls/demo/128k/playlist.m3u8", 128000));
  }

  @Test
  void mediaSegmentsKeepTheServerOfThePlaylist() {
    String media = "#EXTM3U\r\n#EXT-X-TARGETDURATION:10\r\n#EXTINF:10.0,\r\n/segments/demo/128k/seg00000.ts\r\n"
        + "#EXTINF:3.52,\r\n/segments/demo/128k/seg00001.ts\r\n#EXT-X-ENDLIST\r\n";
    List<Playlists.SegmentEntry> s = Playlists.segments("http://127.0.0.1:9004/hls/demo/128k/playlist.m3u8", media);
    assertThat(s).containsExactly(
        new Playlists.SegmentEntry("http://127.0.0.1:9004/segments/demo/128k/seg00000.ts", 10_000),
        new Playlists.SegmentEntry("http://127.0.0.1:9004/segments/demo/128k/seg00001.ts", 3_520));
    assertThat(Swarm.segmentId(s.get(1).uri())).isEqualTo("demo/128k/seg00001.ts");
    assertThat(Swarm.hops("2")).isEqualTo(2);
    assertThat(Swarm.hops(null)).isEqualTo(-1);
    assertThat(Swarm.hops("many")).isEqualTo(-1);
  }

  @Test
  void rejectsWhatIsNotAPlaylist() {
    assertThatThrownBy(() -> Playlists.segments("http://x/p.m3u8", "{\"error\":\"not_found\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("#EXTM3U");
    assertThatThrownBy(() -> Playlists.variants("http://x/m.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variant");
  }
}
