package dev.hybridcdn.ops.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.hls.SteeringManifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated player's pathway rules (those of hls.js's content steering controller). */
class PathwaysTest {
  private static final String UPSTREAM = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\n64k/playlist.m3u8\n"
      + "#EXT-X-STREAM-INF:BANDWIDTH=128000\n128k/playlist.m3u8\n";
  private static final String MASTER_URL = "http://127.0.0.1:9000/hls/demo/master.m3u8";

  private static Pathways pathways(String steeringUri) {
    String master = Playlists.withPathways(UPSTREAM, "/hls/demo/master.m3u8", List.of(
        new Playlists.Pathway("p1", "http://127.0.0.1:9000"), new Playlists.Pathway("p2", "http://127.0.0.1:9001"),
        new Playlists.Pathway("edge-1", "http://127.0.0.1:8082")), steeringUri);
    return new Pathways(Playlists.steering(MASTER_URL, master));
  }

  @Test
  void withoutSteeringAFailureMovesDownThePlaylistOrderUntilNothingIsLeft() {
    Pathways p = pathways(null);
    assertThat(p.current()).isEqualTo("p1");
    assertThat(p.variant("128k/playlist.m3u8").uri()).isEqualTo("http://127.0.0.1:9000/hls/demo/128k/playlist.m3u8");
    assertThat(p.failOver()).isTrue();
    assertThat(p.current()).isEqualTo("p2");
    assertThat(p.variant("128k/playlist.m3u8").uri()).isEqualTo("http://127.0.0.1:9001/hls/demo/128k/playlist.m3u8");
    assertThat(p.failOver()).isTrue();
    assertThat(p.current()).isEqualTo("edge-1");
    assertThat(p.failOver()).as("every pathway failed").isFalse();
    assertThat(p.reloadDue(0, 1)).as("no steering server").isNull();
  }

  @Test
  void theSteeringManifestOrdersClonesAndIsReloadedAfterItsTtl() {
    Pathways p = pathways("http://127.0.0.1:7070/steering/demo?peer=p1");
    assertThat(p.reloadDue(1000, 640000))
        .isEqualTo("http://127.0.0.1:7070/steering/demo?peer=p1&_HLS_pathway=p1&_HLS_throughput=640000");
    boolean moved = p.apply(new SteeringManifest(1, 10, "/steering/demo?peer=p1&region=eu", List.of("p9", "edge-1"),
        List.of(new SteeringManifest.PathwayClone("p1", "p9", "127.0.0.1:9008"))),
        "http://127.0.0.1:7070/steering/demo?peer=p1&_HLS_pathway=p1", 1000);
    assertThat(moved).isTrue();
    assertThat(p.current()).isEqualTo("p9");
    assertThat(p.variant("64k/playlist.m3u8").uri()).isEqualTo("http://127.0.0.1:9008/hls/demo/64k/playlist.m3u8");
    assertThat(p.reloadDue(10_999, 1)).isNull();
    assertThat(p.reloadDue(11_000, 1)).startsWith("http://127.0.0.1:7070/steering/demo?peer=p1&region=eu&_HLS_pathway=p9");
    assertThat(p.failOver()).isTrue();
    assertThat(p.current()).as("p1 and p2 are not in the priority any more").isEqualTo("edge-1");
  }

  @Test
  void aPenalisedPathwayStaysOutWhenTheSteeringServerStillListsIt() {
    Pathways p = pathways("http://127.0.0.1:7070/steering/demo?peer=p1");
    assertThat(p.failOver()).isTrue();
    p.apply(new SteeringManifest(1, 10, null, List.of("p1", "p2", "edge-1"), List.of()), "http://t/s", 0);
    assertThat(p.current()).isEqualTo("p2");
  }
}
