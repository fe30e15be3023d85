package dev.hybridcdn.peer.player;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.manifest.Manifest;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Read-ahead's lead as a player's answer reports it (X-CDN-Answer ahead=). */
class LeadTest {
  static final List<Manifest.Segment> SEGMENTS = IntStream.range(0, 6)
      .mapToObj(i -> new Manifest.Segment(String.format("demo/64k/seg%05d.ts", i), i, 10_000, 1000, "a".repeat(64)))
      .toList();
  static final Manifest M = new Manifest("demo", "", 60_000, List.of(new Manifest.Rendition("64k", 64,
      Manifest.AAC_LC, SEGMENTS)));

  @Test
  void theLeadIsTheMediaCachedWithoutAGapRightAfterTheSegment() {
    Set<String> cached = Set.of(SEGMENTS.get(2).segmentId(), SEGMENTS.get(3).segmentId(), SEGMENTS.get(5).segmentId());
    assertThat(Lead.aheadMs(M, SEGMENTS.get(1).segmentId(), cached::contains)).isEqualTo(20_000);
    assertThat(Lead.aheadMs(M, SEGMENTS.get(0).segmentId(), cached::contains)).as("1 missing: nothing ahead").isZero();
    assertThat(Lead.aheadMs(M, SEGMENTS.get(5).segmentId(), cached::contains)).as("the last segment").isZero();
    assertThat(Lead.aheadMs(M, "demo/64k/seg09999.ts", cached::contains)).as("not in the manifest").isEqualTo(-1);
  }

  @Test
  void theHeaderNamesHowLeadFetchesAndUploads() {
    assertThat(Lead.header(How.EDGE_FIRST, 0, 2, 1)).isEqualTo("edge-first; ahead=0; busy=2; up=1");
  }
}
