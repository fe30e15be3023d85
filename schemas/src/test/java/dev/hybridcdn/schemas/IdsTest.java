package dev.hybridcdn.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void acceptsTheContractsExamples() {
    assertThat(Ids.isSongId("demo")).isTrue();
    assertThat(Ids.isSongId("a" + "b".repeat(63))).isTrue();
    assertThat(Ids.isRendition("128k")).isTrue();
    assertThat(Ids.bitrateKbps("192k")).isEqualTo(192);
    assertThat(Ids.isNodeId("peer-9000.eu_west")).isTrue();
    assertThat(Ids.SegmentId.parse("demo/128k/seg00003.ts")).get()
        .extracting(Ids.SegmentId::songId, Ids.SegmentId::rendition, Ids.SegmentId::file)
        .containsExactly("demo", "128k", "seg00003.ts");
  }

  @Test
  void rejectsTraversalEncodingAndOverlongIds() {
    assertThat(Ids.SegmentId.parse("demo/128k/..")).isEmpty();
    assertThat(Ids.SegmentId.parse("../128k/seg0.ts")).isEmpty();
    assertThat(Ids.SegmentId.parse("demo/128k/a%2Fb.ts")).isEmpty();
    assertThat(Ids.SegmentId.parse("demo/128k/sub/seg0.ts")).isEmpty();
    assertThat(Ids.SegmentId.parse("demo/128/seg0.ts")).isEmpty();
    assertThat(Ids.SegmentId.parse("Demo/128k/seg0.ts")).isEmpty();
    assertThat(Ids.SegmentId.parse(null)).isEmpty();
    assertThat(Ids.isSongId("a".repeat(65))).isFalse();
    assertThat(Ids.isSongId("-demo")).isFalse();
    assertThat(Ids.isNodeId("..")).isFalse();
    assertThat(Ids.isNodeId("a".repeat(65))).isFalse();
    assertThat(Ids.isNodeId("peer/1")).isFalse();
    assertThat(Ids.isRegion("EU WEST")).isFalse();
  }
}
