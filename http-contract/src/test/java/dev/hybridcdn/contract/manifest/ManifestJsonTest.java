package dev.hybridcdn.contract.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestJsonTest {
  static final String SHA_A = "a".repeat(64);
  static final String SHA_B = "b".repeat(64);
  static final String SHA_C = "c".repeat(64);

  static Manifest demo() {
    return new Manifest("demo", "Demo", 20_000, List.of(
        new Manifest.Rendition("64k", 64, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/64k/seg00000.ts", 0, 10_000, 80_000, SHA_A),
            new Manifest.Segment("demo/64k/seg00001.ts", 1, 10_000, 100_000, SHA_B))),
        new Manifest.Rendition("128k", 128, Manifest.AAC_LC, List.of(
            new Manifest.Segment("demo/128k/seg00000.ts", 0, 10_000, 160_000, SHA_C)))));
  }

  /** Byte for byte what the origin's Vert.x JsonObject encoding served before this module. */
  static final String DEMO_JSON = "{\"songId\":\"demo\",\"title\":\"Demo\",\"durationMs\":20000,\"renditions\":["
      + "{\"name\":\"64k\",\"bitrateKbps\":64,\"codec\":\"mp4a.40.2\",\"playlist\":\"/hls/demo/64k/playlist.m3u8\","
      + "\"segments\":[{\"segmentId\":\"demo/64k/seg00000.ts\",\"index\":0,\"durationMs\":10000,\"bytes\":80000,"
      + "\"sha256\":\"" + SHA_A + "\"},{\"segmentId\":\"demo/64k/seg00001.ts\",\"index\":1,\"durationMs\":10000,"
      + "\"bytes\":100000,\"sha256\":\"" + SHA_B + "\"}]},"
      + "{\"name\":\"128k\",\"bitrateKbps\":128,\"codec\":\"mp4a.40.2\",\"playlist\":\"/hls/demo/128k/playlist.m3u8\","
      + "\"segments\":[{\"segmentId\":\"demo/128k/seg00000.ts\",\"index\":0,\"durationMs\":10000,\"bytes\":160000,"
      + "\"sha256\":\"" + SHA_C + "\"}]}]}";

  @Test
  void writesTheManifestAsTheOriginAlwaysHas() {
    assertThat(ManifestJson.write(demo())).isEqualTo(DEMO_JSON);
  }

  @Test
  void roundTripsEveryField() {
    Manifest m = demo();
    assertThat(ManifestJson.parse(ManifestJson.write(m))).isEqualTo(m);
    Manifest titled = new Manifest("cafe", "Café \"Über\" – 東京\n", 1, List.of());
    assertThat(ManifestJson.parse(ManifestJson.write(titled))).isEqualTo(titled);
  }

  @Test
  void writesTheVersionAfterTheDurationOnlyWhenKnownAndReadsItBack() {
    Manifest v3 = demo().withVersion(3);
    String json = ManifestJson.write(v3);
    assertThat(json).startsWith("{\"songId\":\"demo\",\"title\":\"Demo\",\"durationMs\":20000,\"version\":3,"
        + "\"renditions\":[");
    assertThat(ManifestJson.parse(json).version()).isEqualTo(3);
    assertThat(ManifestJson.parse(json)).isEqualTo(v3).isNotEqualTo(demo());
    assertThat(ManifestJson.parse(DEMO_JSON).version()).isZero();
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":\"x\",\"version\":-1}"))
        .hasMessageContaining("version");
  }

  @Test
  void writesChunkHashesAfterTheSegmentHashOnlyWhenKnownAndChecksTheirCount() {
    byte[] data = new byte[150_000];
    data[70_000] = 7;
    Manifest.Chunks chunks = Manifest.Chunks.of(data, Manifest.Chunks.DEFAULT_CHUNK_BYTES);
    assertThat(chunks.count()).isEqualTo(3);
    assertThat(chunks.length(2, data.length)).isEqualTo(150_000 - 2 * 65_536);
    assertThat(chunks.sha256().get(0)).isNotEqualTo(chunks.sha256().get(1));
    Manifest m = new Manifest("demo", "Demo", 10_000, 2, List.of(new Manifest.Rendition("64k", 64, Manifest.AAC_LC,
        List.of(new Manifest.Segment("demo/64k/seg00000.ts", 0, 10_000, data.length, SHA_A, chunks)))));
    String json = ManifestJson.write(m);
    assertThat(json).contains("\"sha256\":\"" + SHA_A + "\",\"chunkBytes\":65536,\"chunks\":[\""
        + chunks.sha256().get(0) + "\",");
    assertThat(ManifestJson.parse(json)).isEqualTo(m);
    assertThat(ManifestJson.parse(json).segment("demo/64k/seg00000.ts").chunks()).isEqualTo(chunks);
    assertThat(ManifestJson.parse(DEMO_JSON).segment("demo/64k/seg00000.ts").chunks()).isNull();
    String twoHashes = json.replace(",\"" + chunks.sha256().get(2) + "\"", "");
    assertThatThrownBy(() -> ManifestJson.parse(twoHashes)).hasMessageContaining("2 chunk hashes for 150000 bytes");
    assertThatThrownBy(() -> ManifestJson.parse(json.replace("\"chunkBytes\":65536,", "")))
        .hasMessageContaining("no chunkBytes");
  }

  @Test
  void readsWhatEdgesAndPeersGetLenientlyWhereAFieldCanBeDerived() {
    Manifest m = ManifestJson.parse("{\"songId\":\"demo\",\"renditions\":[{\"name\":\"128k\",\"segments\":["
        + "{\"segmentId\":\"demo/128k/seg00001.ts\",\"index\":1,\"bytes\":7,\"sha256\":\"" + SHA_B.toUpperCase() + "\"},"
        + "{\"segmentId\":\"demo/128k/seg00000.ts\",\"index\":0,\"bytes\":5,\"sha256\":\"" + SHA_A + "\"}]}]}");
    assertThat(m.title()).isEmpty();
    Manifest.Rendition r = m.rendition("128k");
    assertThat(r.bitrateKbps()).isEqualTo(128);
    assertThat(r.codec()).isEqualTo(Manifest.AAC_LC);
    assertThat(r.segments()).extracting(Manifest.Segment::index).containsExactly(0, 1);
    assertThat(m.segment("demo/128k/seg00001.ts").sha256()).isEqualTo(SHA_B);
    assertThat(m.segment("demo/128k/seg00001.ts").bytes()).isEqualTo(7);
    assertThat(ManifestJson.parse("{\"songId\":\"empty\"}").segmentCount()).isZero();
  }

  @Test
  void rejectsWhatCannotBeChecked() {
    assertThatThrownBy(() -> ManifestJson.parse("not json")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ManifestJson.parse("[1]")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ManifestJson.parse("{\"renditions\":[]}")).hasMessageContaining("songId");
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":\"s\",\"renditions\":[{\"name\":\"64k\",\"segments\":"
        + "[{\"segmentId\":\"s/64k/a.ts\",\"bytes\":1}]}]}")).hasMessageContaining("sha256");
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":\"s\",\"renditions\":[{\"name\":\"64k\",\"segments\":"
        + "[{\"segmentId\":\"s/64k/a.ts\",\"sha256\":\"x\"}]}]}")).hasMessageContaining("bytes");
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":\"s\",\"renditions\":[{\"name\":\"64k\",\"segments\":"
        + "[{\"segmentId\":\"s/64k/a.ts\",\"bytes\":\"many\",\"sha256\":\"x\"}]}]}")).hasMessageContaining("bytes");
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":7}")).hasMessageContaining("songId");
    assertThatThrownBy(() -> ManifestJson.parse("{\"songId\":\"s\",\"renditions\":{}}"))
        .hasMessageContaining("renditions");
  }

  @Test
  void songListRoundTripsInTheServedShape() {
    List<SongSummary> songs = List.of(new SongSummary("demo", "Demo", 20_000, List.of("64k", "128k")),
        new SongSummary("b", "", 0, List.of()));
    String json = ManifestJson.writeSongList(songs);
    assertThat(json).isEqualTo("{\"songs\":[{\"songId\":\"demo\",\"title\":\"Demo\",\"durationMs\":20000,"
        + "\"renditions\":[\"64k\",\"128k\"]},{\"songId\":\"b\",\"title\":\"\",\"durationMs\":0,\"renditions\":[]}]}");
    assertThat(ManifestJson.parseSongList(json)).isEqualTo(songs);
    assertThatThrownBy(() -> ManifestJson.parseSongList("{\"error\":\"x\"}")).hasMessageContaining("songs");
  }
}
