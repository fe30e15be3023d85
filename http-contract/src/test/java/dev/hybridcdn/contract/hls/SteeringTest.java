package dev.hybridcdn.contract.hls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lindstrom.m3u8.model.MasterPlaylist;
import io.lindstrom.m3u8.model.Variant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The steered master playlist (parsed back with m3u8-parser) and the steering manifest JSON. */
class SteeringTest {
  private static final String UPSTREAM = """
      #EXTM3U
      #EXT-X-VERSION:3
      #EXT-X-INDEPENDENT-SEGMENTS
      #EXT-X-STREAM-INF:BANDWIDTH=80000,AVERAGE-BANDWIDTH=72000,CODECS="mp4a.40.2"
      64k/playlist.m3u8
      #EXT-X-STREAM-INF:BANDWIDTH=128000,AVERAGE-BANDWIDTH=128000,CODECS="mp4a.40.2"
      128k/playlist.m3u8
      """;
  private static final List<Playlists.Pathway> PATHWAYS = List.of(
      new Playlists.Pathway("peer-1", "http://127.0.0.1:9000"),
      new Playlists.Pathway("peer-7", "http://127.0.0.1:9006"),
      new Playlists.Pathway("edge-eu", "http://127.0.0.1:8082"));
  private static final String STEERING = "http://127.0.0.1:7070/steering/demo?peer=peer-1&region=eu-west&edges=edge-eu";

  @Test
  void everyVariantIsListedOncePerPathwayWithAbsoluteUrisOnThatServer() {
    String text = Playlists.withPathways(UPSTREAM, "/hls/demo/master.m3u8", PATHWAYS, STEERING);
    MasterPlaylist m = Playlists.parseMaster(text);

    assertThat(m.contentSteering()).hasValueSatisfying(c -> {
      assertThat(c.serverUri()).isEqualTo(STEERING);
      assertThat(c.pathwayId()).hasValue("peer-1");
    });
    assertThat(m.variants()).extracting(v -> v.pathwayId().orElseThrow() + " " + v.uri()).containsExactly(
        "peer-1 http://127.0.0.1:9000/hls/demo/64k/playlist.m3u8",
        "peer-1 http://127.0.0.1:9000/hls/demo/128k/playlist.m3u8",
        "peer-7 http://127.0.0.1:9006/hls/demo/64k/playlist.m3u8",
        "peer-7 http://127.0.0.1:9006/hls/demo/128k/playlist.m3u8",
        "edge-eu http://127.0.0.1:8082/hls/demo/64k/playlist.m3u8",
        "edge-eu http://127.0.0.1:8082/hls/demo/128k/playlist.m3u8");
    assertThat(m.variants()).extracting(Variant::bandwidth).containsExactly(80_000L, 128_000L, 80_000L, 128_000L,
        80_000L, 128_000L);
    assertThat(m.variants()).extracting(v -> v.stableVariantId().orElseThrow())
        .containsExactly("64k/playlist.m3u8", "128k/playlist.m3u8", "64k/playlist.m3u8", "128k/playlist.m3u8",
            "64k/playlist.m3u8", "128k/playlist.m3u8");
    assertThat(text).contains("#EXT-X-CONTENT-STEERING:SERVER-URI=\"" + STEERING + "\",PATHWAY-ID=\"peer-1\"")
        .contains("PATHWAY-ID=\"edge-eu\"");
  }

  @Test
  void aPlayerReadsPathwaysVariantsAndTheSteeringServer() {
    String text = Playlists.withPathways(UPSTREAM, "/hls/demo/master.m3u8", PATHWAYS, STEERING);
    Playlists.Steering s = Playlists.steering("http://127.0.0.1:9000/hls/demo/master.m3u8", text);
    assertThat(s.serverUri()).isEqualTo(STEERING);
    assertThat(s.initialPathway()).isEqualTo("peer-1");
    assertThat(s.pathways()).containsExactly("peer-1", "peer-7", "edge-eu");
    assertThat(s.of("peer-7")).extracting(Playlists.PathwayVariant::uri).containsExactly(
        "http://127.0.0.1:9006/hls/demo/64k/playlist.m3u8", "http://127.0.0.1:9006/hls/demo/128k/playlist.m3u8");
  }

  @Test
  void withoutASteeringServerThePathwaysAreRedundantStreamsOnly() {
    String text = Playlists.withPathways(UPSTREAM, "/hls/demo/master.m3u8", PATHWAYS.subList(0, 1), null);
    Playlists.Steering s = Playlists.steering("http://127.0.0.1:9000/hls/demo/master.m3u8", text);
    assertThat(s.serverUri()).isNull();
    assertThat(s.variants()).hasSize(2);
    assertThat(text).doesNotContain("CONTENT-STEERING");
  }

  @Test
  void aPlaylistWithoutPathwaysHasTheDefaultPathway() {
    Playlists.Steering s = Playlists.steering("http://127.0.0.1:8082/hls/demo/master.m3u8", UPSTREAM);
    assertThat(s.pathways()).containsExactly(".");
    assertThat(s.initialPathway()).isEqualTo(".");
  }

  @Test
  void badPathwayIdsAndEmptyListsAreRefused() {
    assertThatThrownBy(() -> new Playlists.Pathway("a b", "http://x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Playlists.withPathways(UPSTREAM, "/hls/demo/master.m3u8", List.of(), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void steeringManifestJsonRoundTrips() {
    SteeringManifest m = new SteeringManifest(1, 10, "/steering/demo?peer=peer-1",
        List.of("peer-1", "peer-7", "edge-eu"),
        List.of(new SteeringManifest.PathwayClone("peer-1", "peer-9", "127.0.0.1:9008")));
    assertThat(m.toJson()).isEqualTo("{\"VERSION\":1,\"TTL\":10,\"RELOAD-URI\":\"/steering/demo?peer=peer-1\","
        + "\"PATHWAY-PRIORITY\":[\"peer-1\",\"peer-7\",\"edge-eu\"],\"PATHWAY-CLONES\":[{\"BASE-ID\":\"peer-1\","
        + "\"ID\":\"peer-9\",\"URI-REPLACEMENT\":{\"HOST\":\"127.0.0.1:9008\"}}]}");
    assertThat(SteeringManifest.parse(m.toJson())).isEqualTo(m);
    assertThat(SteeringManifest.parse("{\"VERSION\":1,\"TTL\":5,\"PATHWAY-PRIORITY\":[\"a\"],\"X\":true}"))
        .isEqualTo(new SteeringManifest(1, 5, null, List.of("a"), List.of()));
  }

  @Test
  void steeringManifestsThatAreNotVersionOneOrListNoPathwayAreRefused() {
    assertThatThrownBy(() -> SteeringManifest.parse("{\"VERSION\":2,\"TTL\":5,\"PATHWAY-PRIORITY\":[\"a\"]}"))
        .hasMessageContaining("VERSION");
    assertThatThrownBy(() -> SteeringManifest.parse("{\"VERSION\":1,\"TTL\":5,\"PATHWAY-PRIORITY\":[]}"))
        .hasMessageContaining("PATHWAY-PRIORITY");
    assertThatThrownBy(() -> SteeringManifest.parse("{\"VERSION\":1,\"PATHWAY-PRIORITY\":[\"a\"]}"))
        .hasMessageContaining("TTL");
    assertThatThrownBy(() -> SteeringManifest.parse("not json")).hasMessageContaining("not JSON");
  }
}
