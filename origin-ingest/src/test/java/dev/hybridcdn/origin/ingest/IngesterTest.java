package dev.hybridcdn.origin.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.schemas.events.SongPublished;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

// Playlist parsing, the ingest rewrite and the master playlist are tested with the contract
// (http-contract PlaylistsTest), byte for byte as the origin stores them.
class IngesterTest {
  private static final Manifest DEMO = new Manifest("demo", "Café – Demo", 20_000, List.of(
      new Manifest.Rendition("64k", 64, Manifest.AAC_LC, List.of(
          new Manifest.Segment("demo/64k/seg00000.ts", 0, 10_000, 80_000, "a".repeat(64)),
          new Manifest.Segment("demo/64k/seg00001.ts", 1, 10_000, 100_000, "b".repeat(64)))),
      new Manifest.Rendition("128k", 128, Manifest.AAC_LC, List.of(
          new Manifest.Segment("demo/128k/seg00000.ts", 0, 10_000, 160_000, "c".repeat(64))))));

  @Test
  void sha256IsLowerCaseHex() {
    assertThat(Ingester.sha256("abc".getBytes()))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void songPublishedCarriesTheManifest() {
    SongPublished e = Ingester.songPublished(DEMO, 42);
    assertThat(e.getSongId()).isEqualTo("demo");
    assertThat(e.getTitle()).isEqualTo("Café – Demo");
    assertThat(e.getDurationMs()).isEqualTo(20_000);
    assertThat(e.getTs()).isEqualTo(42);
    assertThat(e.getRenditions()).hasSize(2);
    assertThat(e.getRenditions().get(0).getSegments().get(1).getSha256()).isEqualTo("b".repeat(64));
    assertThat(e.getRenditions().get(1).getBitrateKbps()).isEqualTo(128);
  }

  @Test
  void manifestJsonIsWhatVertxEncodedBefore() {
    // The origin used to encode the manifest with Vert.x JsonObject: the bytes must not change.
    String json = ManifestJson.write(DEMO);
    assertThat(new JsonObject(json).encode()).isEqualTo(json);
  }
}
