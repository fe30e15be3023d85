package dev.hybridcdn.contract.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
  @Test
  void findsSegmentsAndWhatFollowsThemInTheirRendition() {
    Manifest m = ManifestJsonTest.demo();
    assertThat(m.segmentCount()).isEqualTo(3);
    assertThat(m.segment("demo/64k/seg00000.ts").rendition()).isEqualTo("64k");
    assertThat(m.segment("demo/64k/seg00009.ts")).isNull();
    assertThat(m.following("demo/64k/seg00000.ts", 5)).extracting(Manifest.Segment::segmentId)
        .containsExactly("demo/64k/seg00001.ts");
    assertThat(m.following("demo/64k/seg00001.ts", 5)).isEmpty();
    assertThat(m.following("demo/64k/seg00000.ts", 0)).isEmpty();
    assertThat(m.following("nope", 3)).isEmpty();
    assertThat(m.rendition("192k")).isNull();
  }

  @Test
  void bandwidthsAreMeasuredFromTheSegments() {
    Manifest.Rendition r = ManifestJsonTest.demo().rendition("64k");
    assertThat(r.durationMs()).isEqualTo(20_000);
    assertThat(r.bytes()).isEqualTo(180_000);
    assertThat(r.peakBandwidth()).isEqualTo(80_000);
    assertThat(r.averageBandwidth()).isEqualTo(72_000);
    assertThat(new Manifest.Rendition("64k", 64, Manifest.AAC_LC, List.of()).averageBandwidth()).isZero();
  }
}
