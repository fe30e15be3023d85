package dev.hybridcdn.contract.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.contract.manifest.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlaylistsTest {
  static final String FFMPEG_OUTPUT = """
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
    assertThat(Playlists.segments(FFMPEG_OUTPUT)).containsExactly(new Playlists.SegmentEntry("seg00000.ts", 10112),
        new Playlists.SegmentEntry("seg00001.ts", 9984), new Playlists.SegmentEntry("seg00002.ts", 3208));
  }

  @Test
  void ingestRewriteIsByteForByteWhatTheOriginHasStored() {
    assertThat(Playlists.withAbsoluteSegmentPaths(FFMPEG_OUTPUT, "demo", "128k")).isEqualTo("""
        #EXTM3U
        #EXT-X-VERSION:3
        #EXT-X-TARGETDURATION:10
        #EXT-X-MEDIA-SEQUENCE:0
        #EXT-X-PLAYLIST-TYPE:VOD
        #EXTINF:10.112000,
        /segments/demo/128k/seg00000.ts
        #EXTINF:9.984000,
        /segments/demo/128k/seg00001.ts
        #EXTINF:3.208378,
        /segments/demo/128k/seg00002.ts
        #EXT-X-ENDLIST
        """);
    // CRLF, blanks around lines, directories in URIs: the same as the origin's first rewrite did.
    String messy = "#EXTM3U \r\n#EXT-X-TARGETDURATION:10\r\n\r\n#EXTINF:10.0,\r\n  out/seg00000.ts  \r\n#EXT-X-ENDLIST";
    assertThat(Playlists.withAbsoluteSegmentPaths(messy, "demo", "64k")).isEqualTo(legacyRewrite(messy, "demo", "64k"))
        .isEqualTo("#EXTM3U\n#EXT-X-TARGETDURATION:10\n\n#EXTINF:10.0,\n/segments/demo/64k/seg00000.ts\n#EXT-X-ENDLIST\n");
  }

  /** The origin's hand-written rewrite before this module, kept as the reference of stored bytes. */
  private static String legacyRewrite(String text, String songId, String rendition) {
    StringBuilder out = new StringBuilder();
    for (String line : text.lines().map(String::strip).toList()) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        out.append("/segments/").append(songId).append('/').append(rendition).append('/')
            .append(line.substring(line.lastIndexOf('/') + 1));
      } else {
        out.append(line);
      }
      out.append('\n');
    }
    return out.toString();
  }

  @Test
  void rejectsTextThatIsNotAPlaylist() {
    assertThatThrownBy(() -> Playlists.parseMedia("hello\nseg.ts\n")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("#EXTM3U");
    assertThatThrownBy(() -> Playlists.parseMedia("#EXTM3U\n#EXT-X-TARGETDURATION:10\nseg.ts\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Playlists.parseMedia("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:abc,\nseg.ts\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Playlists.withAbsoluteSegmentPaths("{\"error\":1}", "demo", "64k"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void masterPlaylistIsByteForByteWhatTheOriginHasStored() {
    Manifest m = new Manifest("demo", "Demo", 20_000, List.of(
        new Manifest.Rendition("64k", 64, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/64k/seg00000.ts", 0, 10_000, 80_000, "a"),
            new Manifest.Segment("demo/64k/seg00001.ts", 1, 10_000, 100_000, "b"))),
        new Manifest.Rendition("128k", 128, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/128k/seg00000.ts", 0, 10_000, 160_000, "c")))));
    String master = Playlists.master(m);
    assertThat(master).isEqualTo("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        + "#EXT-X-STREAM-INF:BANDWIDTH=80000,AVERAGE-BANDWIDTH=72000,CODECS=\"mp4a.40.2\"\n64k/playlist.m3u8\n"
        + "#EXT-X-STREAM-INF:BANDWIDTH=128000,AVERAGE-BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\n128k/playlist.m3u8\n");
    assertThat(Playlists.variants(master)).containsExactly(new Playlists.VariantEntry("64k/playlist.m3u8", 80_000),
        new Playlists.VariantEntry("128k/playlist.m3u8", 128_000));
  }

  @Test
  void peerRewriteKeepsAbsolutePathsAsTheyAre() {
    String media = "#EXTM3U\n#EXTINF:10.0,\n/segments/demo/128k/seg00000.ts\n#EXT-X-ENDLIST\n";
    assertThat(Playlists.pointSegmentsAtServer(media, "demo", "128k")).isEqualTo(media);
  }

  @Test
  void peerRewritePointsAbsoluteUrlsAndBareFileNamesBackAtTheServer() {
    String media = "#EXTM3U\n#EXTINF:10.0,\nhttp://edge:8082/segments/demo/128k/seg00000.ts\n#EXTINF:10.0,\nseg00001.ts";
    assertThat(Playlists.pointSegmentsAtServer(media, "demo", "128k")).isEqualTo(
        "#EXTM3U\n#EXTINF:10.0,\n/segments/demo/128k/seg00000.ts\n#EXTINF:10.0,\n/segments/demo/128k/seg00001.ts");
  }

  @Test
  void peerRewriteKeepsRelativeMediaPlaylistsOfAMaster() {
    String master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=128000\n128k/playlist.m3u8\n";
    assertThat(Playlists.pointSegmentsAtServer(master, "demo", null)).isEqualTo(master);
  }

  @Test
  void playerSeesMasterVariantsResolvedRelativeToThePlaylist() {
    String master = """
        #EXTM3U
        #EXT-X-VERSION:3
        #EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2"
        64k/playlist.m3u8
        #EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"
        128k/playlist.m3u8
        """;
    assertThat(Playlists.variants("http://127.0.0.1:9000/hls/demo/master.m3u8", master)).containsExactly(
        new Playlists.VariantEntry("http://127.0.0.1:9000/hls/demo/64k/playlist.m3u8", 64000),
        new Playlists.VariantEntry("http://127.0.0.1:9000/hls/demo/128k/playlist.m3u8", 128000));
  }

  @Test
  void playerSeesMediaSegmentsOnTheServerOfThePlaylist() {
    String media = "#EXTM3U\r\n#EXT-X-TARGETDURATION:10\r\n#EXTINF:10.0,\r\n/segments/demo/128k/seg00000.ts\r\n"
        + "#EXTINF:3.52,\r\n/segments/demo/128k/seg00001.ts\r\n#EXT-X-ENDLIST\r\n";
    assertThat(Playlists.segments("http://127.0.0.1:9004/hls/demo/128k/playlist.m3u8", media)).containsExactly(
        new Playlists.SegmentEntry("http://127.0.0.1:9004/segments/demo/128k/seg00000.ts", 10_000),
        new Playlists.SegmentEntry("http://127.0.0.1:9004/segments/demo/128k/seg00001.ts", 3_520));
  }

  @Test
  void playerRejectsWhatIsNotAPlaylist() {
    assertThatThrownBy(() -> Playlists.segments("http://x/p.m3u8", "{\"error\":\"not_found\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("#EXTM3U");
    assertThatThrownBy(() -> Playlists.variants("http://x/m.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variant");
    assertThatThrownBy(() -> Playlists.segments("http://x/p.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segment");
  }

  @Test
  void aTokenReachesEveryUriSoPlayersResolvingRelativeUrisKeepIt() {
    String token = "exp=1800000060~acl=/hls/demo/*!/segments/demo/*~hmac=" + "ab".repeat(32);
    String master = "#EXTM3U\n#EXT-X-VERSION:3\n"
        + "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"en/playlist.m3u8\"\n"
        + "#EXT-X-CONTENT-STEERING:SERVER-URI=\"http://t:7070/steering/demo?peer=p1\",PATHWAY-ID=\"p1\"\n"
        + "#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS=\"mp4a.40.2\"\n128k/playlist.m3u8\n"
        + "#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\nhttp://e:8082/hls/demo/64k/playlist.m3u8?x=1&token=old#f\n";
    String signed = Playlists.withQueryParam(master, "token", token);
    assertThat(signed).contains("URI=\"en/playlist.m3u8?token=" + token + "\"")
        .contains("SERVER-URI=\"http://t:7070/steering/demo?peer=p1\"")
        .contains("\n128k/playlist.m3u8?token=" + token + "\n")
        .contains("\nhttp://e:8082/hls/demo/64k/playlist.m3u8?x=1&token=" + token + "#f\n")
        .doesNotContain("token=old");
    // what a player does with it: the variant resolved against the master's URL keeps the token
    assertThat(Playlists.variants("http://p:9000/hls/demo/master.m3u8?token=" + token, signed).get(0).uri())
        .isEqualTo("http://p:9000/hls/demo/128k/playlist.m3u8?token=" + token);
    String media = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.005333,\n/segments/demo/128k/seg00000.ts\n"
        + "#EXT-X-ENDLIST\n";
    String signedMedia = Playlists.withQueryParam(media, "token", token);
    assertThat(Playlists.segments("http://p:9000/hls/demo/128k/playlist.m3u8?token=" + token, signedMedia))
        .extracting(Playlists.SegmentEntry::uri)
        .containsExactly("http://p:9000/segments/demo/128k/seg00000.ts?token=" + token);
    assertThat(signedMedia.replace("?token=" + token, "")).isEqualTo(media);
    assertThatThrownBy(() -> Playlists.withQueryParam(media, "token", "a&b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
