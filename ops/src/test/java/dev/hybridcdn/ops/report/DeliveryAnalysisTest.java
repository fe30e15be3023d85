package dev.hybridcdn.ops.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import org.junit.jupiter.api.Test;

class DeliveryAnalysisTest {
  private static final long T0 = 1_700_000_000_000L;

  private static SegmentDelivered delivered(Tier tier, String segment, long bytes, long micros, int hops, String source,
      long ts) {
    return SegmentDelivered.newBuilder().setRequestId("r-" + ts).setPeerId("peer-1").setSegmentId(segment)
        .setSongId(segment.substring(0, segment.indexOf('/'))).setRendition("128k").setTier(tier).setSourceId(source)
        .setBytes(bytes).setLatencyMicros(micros).setHops(hops).setAttempts(1).setTs(ts).build();
  }

  private static DeliveryAnalysis history() {
    DeliveryAnalysis a = new DeliveryAnalysis("history", false);
    a.accept(delivered(Tier.ORIGIN, "s/128k/seg00000.ts", 1000, 90_000, 2, "edge-1", T0));
    a.accept(delivered(Tier.EDGE, "s/128k/seg00000.ts", 1000, 20_000, 1, "edge-1", T0 + 1000));
    a.accept(delivered(Tier.PEER, "s/128k/seg00000.ts", 1000, 5_000, 1, "peer-7", T0 + 2000));
    a.accept(delivered(Tier.PEER, "s/128k/seg00001.ts", 3000, 6_000, 1, "peer-7", T0 + 3000));
    a.accept(delivered(Tier.PEER, "s/128k/seg00001.ts", 3000, 7_000, 1, "peer-2", T0 + 4000));
    a.accept(delivered(Tier.LOCAL, "s/128k/seg00001.ts", 3000, 100, 0, "peer-1", T0 + 5000));
    return a;
  }

  @Test
  void countsRequestsAndBytesPerTierAndTheRatiosUsersRead() {
    Summary s = history().summary(10);
    assertThat(s.requests()).isEqualTo(6);
    assertThat(s.requestsByTier()).containsExactly(java.util.Map.entry("local", 1L), java.util.Map.entry("peer", 3L),
        java.util.Map.entry("edge", 1L), java.util.Map.entry("origin", 1L));
    assertThat(s.bytesByTier()).containsEntry("peer", 7000L).containsEntry("origin", 1000L);
    assertThat(s.bytesDelivered()).isEqualTo(12_000);
    assertThat(s.originBytes()).isEqualTo(1000);
    assertThat(s.uniqueBytes()).isEqualTo(4000); // seg00000 (1000) + seg00001 (3000)
    assertThat(s.offload()).isEqualTo(1 - 1000 / 12_000.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.p2pShare()).isEqualTo(7000 / 12_000.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.hitRatio()).isEqualTo(5 / 6.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.p2pHitRatio()).isEqualTo(4 / 6.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.failures()).as("the history records answered requests only").isNull();
  }

  @Test
  void latencyPercentilesPerTierAndPerHopCountAreInMilliseconds() {
    Summary s = history().summary(10);
    assertThat(s.latencyMsByTier().get("origin").p50Ms()).isCloseTo(90.0, org.assertj.core.data.Offset.offset(0.1));
    assertThat(s.latencyMsByTier().get("local").maxMs()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.01));
    assertThat(s.latencyMsByTier().get("peer").count()).isEqualTo(3);
    assertThat(s.latencyMsByTier().get("peer").maxMs()).isCloseTo(7.0, org.assertj.core.data.Offset.offset(0.01));
    assertThat(s.latencyMsByHops()).containsOnlyKeys("0", "1", "2");
    assertThat(s.latencyMsByHops().get("1").count()).isEqualTo(4);
    assertThat(s.latencyMsAll().count()).isEqualTo(6);
    assertThat(s.latencyMsAll().maxMs()).isCloseTo(90.0, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void topUploadersAreTheHoldersThatSentTheMostBytes() {
    Summary s = history().summary(1);
    assertThat(s.topUploaders()).containsExactly(new Summary.Uploader("peer-7", 2, 4000));
  }

  @Test
  void edgeResultsChurnAndHeartbeatUploads() {
    DeliveryAnalysis a = history();
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-1").setSegmentId("s/128k/seg00000.ts")
        .setCacheResult(EdgeResult.MISS).setBytes(1000).setLatencyMicros(50_000).setTs(T0).build());
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-2").setSegmentId("s/128k/seg00000.ts")
        .setCacheResult(EdgeResult.HIT_MEMORY).setBytes(1000).setLatencyMicros(500).setTs(T0 + 1).build());
    a.accept(PeerJoined.newBuilder().setPeerId("peer-9").setRegion("eu-west").setBaseUrl("http://127.0.0.1:9009")
        .setUploadSlots(5).setCacheCapacityBytes(1 << 20).setTs(T0 + 100).build());
    a.accept(PeerLeft.newBuilder().setPeerId("peer-9").setTs(T0 + 40_000).setReason("clean shutdown").build());
    a.accept(PeerExpired.newBuilder().setPeerId("peer-3").setLastSeen(T0).setTs(T0 + 50_000).build());
    a.accept(heartbeat("peer-9", 500, T0 + 2000));   // joined in the period: counts from 0
    a.accept(heartbeat("peer-9", 2500, T0 + 4000));
    a.accept(heartbeat("peer-3", 10_000, T0 + 2000)); // joined before: counts the increase only
    a.accept(heartbeat("peer-3", 13_000, T0 + 4000));
    Summary s = a.summary(10);
    assertThat(s.edge().requests()).isEqualTo(2);
    assertThat(s.edge().miss()).isEqualTo(1);
    assertThat(s.edge().missBytes()).isEqualTo(1000);
    assertThat(s.edge().hitRatio()).isEqualTo(0.5);
    assertThat(s.edge().byEdge()).containsEntry("edge-1", 1L).containsEntry("edge-2", 1L);
    // upload spread: 2 peers, the top 10% is one peer, peer-3 with 3000 of 5500 bytes
    assertThat(s.peers()).isEqualTo(new Summary.PeerChurn(1, 1, 1, 2500 + 3000, 0.5455));
    long buckets = s.timeline().buckets().stream().mapToLong(b -> b.joins() + b.leaves() + b.expiries()).sum();
    assertThat(buckets).isEqualTo(3);
    long timelineBytes = s.timeline().buckets().stream()
        .mapToLong(b -> b.bytesByTier().values().stream().mapToLong(Long::longValue).sum()).sum();
    assertThat(timelineBytes).isEqualTo(s.bytesDelivered());
  }

  @Test
  void anEdgeAnswerToAPlayerIsADeliveryAndOneToAPeerIsNot() {
    DeliveryAnalysis a = new DeliveryAnalysis("history", false);
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-1").setSegmentId("s/128k/seg00001.ts")
        .setCacheResult(EdgeResult.HIT_DB).setBytes(700).setLatencyMicros(2_000).setTs(T0)
        .setRequester(EdgeRequester.PLAYER).build());
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-1").setSegmentId("s/128k/seg00002.ts")
        .setCacheResult(EdgeResult.MISS).setBytes(800).setLatencyMicros(9_000).setTs(T0 + 1)
        .setRequester(EdgeRequester.PLAYER).build());
    // A peer's fetch is counted by the peer's own SegmentDelivered, and a v1 event says nothing.
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-1").setSegmentId("s/128k/seg00003.ts")
        .setCacheResult(EdgeResult.HIT_MEMORY).setBytes(900).setLatencyMicros(300).setTs(T0 + 2)
        .setRequester(EdgeRequester.PEER).setRequesterPeerId("peer-1").build());
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-1").setSegmentId("s/128k/seg00004.ts")
        .setCacheResult(EdgeResult.HIT_MEMORY).setBytes(900).setLatencyMicros(300).setTs(T0 + 3).build());
    Summary s = a.summary(1);
    assertThat(s.requestsByTier()).containsEntry("edge", 1L).containsEntry("origin", 1L);
    assertThat(s.bytesByTier()).containsEntry("edge", 700L).containsEntry("origin", 800L);
    assertThat(s.requests()).isEqualTo(2);
    assertThat(s.edge().requests()).isEqualTo(4);
  }

  @Test
  void aShieldedMissCostsTheOriginOnceAndBytesBetweenEdgesAreNoEdgeEgress() {
    DeliveryAnalysis a = new DeliveryAnalysis("history", false);
    // edge-eu missed, asked its shield edge-us, which fetched from the origin: two events, one origin fetch.
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-us").setSegmentId("s/128k/seg00001.ts")
        .setCacheResult(EdgeResult.MISS).setBytes(700).setLatencyMicros(40_000).setTs(T0)
        .setRequester(EdgeRequester.EDGE).setRequesterPeerId("edge-eu").build());
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-eu").setSegmentId("s/128k/seg00001.ts")
        .setCacheResult(EdgeResult.MISS).setBytes(700).setLatencyMicros(90_000).setTs(T0 + 1)
        .setRequester(EdgeRequester.PLAYER).setShieldId("edge-us").build());
    // The shield had the next one: no origin bytes.
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-us").setSegmentId("s/128k/seg00002.ts")
        .setCacheResult(EdgeResult.HIT_MEMORY).setBytes(800).setLatencyMicros(300).setTs(T0 + 2)
        .setRequester(EdgeRequester.EDGE).setRequesterPeerId("edge-eu").build());
    a.accept(EdgeServed.newBuilder().setEdgeId("edge-eu").setSegmentId("s/128k/seg00002.ts")
        .setCacheResult(EdgeResult.HIT_MEMORY).setBytes(800).setLatencyMicros(45_000).setTs(T0 + 3)
        .setRequester(EdgeRequester.PEER).setRequesterPeerId("peer-1").setShieldId("edge-us").build());
    Summary s = a.summary(1);
    assertThat(s.edge().missBytes()).isEqualTo(700);
    assertThat(s.edge().requests()).isEqualTo(2);
    assertThat(s.edge().bytes()).isEqualTo(1500);
    assertThat(s.edge().miss()).isEqualTo(1);
    assertThat(s.edge().byEdge()).containsOnlyKeys("edge-eu");
    // The player's answer came from the origin through the shield.
    assertThat(s.requestsByTier()).containsEntry("origin", 1L);
  }

  private static PeerHeartbeat heartbeat(String peer, long uploaded, long ts) {
    return PeerHeartbeat.newBuilder().setPeerId(peer).setTs(ts).setCachedSegments(1).setCachedBytes(1)
        .setActiveUploads(0).setUploadedBytes(uploaded).setDownloadedBytes(0).build();
  }

  @Test
  void p2pLatencyIsSplitByHopsToTheHolderAndEdgesAreLeftOut() {
    DeliveryAnalysis a = new DeliveryAnalysis("history", false);
    a.delivery("peer", "s/64k/seg00000.ts", 10, 20_000, 1, "p2", T0);
    a.delivery("peer", "s/64k/seg00001.ts", 10, 50_000, 2, "p3", T0 + 1);
    a.delivery("peer", "s/64k/seg00002.ts", 10, 60_000, 2, "p3", T0 + 2);
    a.delivery("peer", "s/64k/seg00003.ts", 10, 90_000, 3, "p4", T0 + 3);
    a.delivery("edge", "s/64k/seg00004.ts", 10, 30_000, 1, null, T0 + 4);
    a.delivery("origin", "s/64k/seg00005.ts", 10, 99_000, 2, null, T0 + 5);
    a.delivery("local", "s/64k/seg00006.ts", 10, 100, 0, null, T0 + 6);
    Summary s = a.summary(5);
    assertThat(s.latencyMsByP2pHops()).containsOnlyKeys("1", "2", "3+");
    assertThat(s.latencyMsByP2pHops().get("1").count()).isEqualTo(1);
    assertThat(s.latencyMsByP2pHops().get("2").count()).isEqualTo(2);
    assertThat(s.latencyMsByP2pHops().get("2").meanMs()).isBetween(54.0, 56.0);
    assertThat(s.latencyMsByP2pHops().get("3+").count()).isEqualTo(1);
    assertThat(TextReport.render(s)).contains("P2P latency by hops to the holder");
  }

  @Test
  void playerSideCountsFailuresAndRejectsUnknownTiers() {
    DeliveryAnalysis a = new DeliveryAnalysis("players", true);
    assertThat(a.summary(5).failures()).isZero();
    a.delivery("peer", "s/64k/seg00000.ts", 10, 1000, -1, null, T0);
    a.failure(T0 + 10);
    Summary s = a.summary(5);
    assertThat(s.failures()).isEqualTo(1);
    assertThat(s.latencyMsByHops()).as("players do not know hop counts").isEmpty();
    assertThatThrownBy(() -> a.delivery("cloud", "s/64k/seg00000.ts", 1, 1, 0, null, T0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cloud");
  }

  @Test
  void emptyInputGivesZerosNotNaN() {
    Summary s = new DeliveryAnalysis("history", false).summary(10);
    assertThat(s.requests()).isZero();
    assertThat(s.offload()).isZero();
    assertThat(s.p2pShare()).isZero();
    assertThat(s.timeline().buckets()).isEmpty();
    assertThat(JsonReport.render(s)).doesNotContain("NaN");
  }

  @Test
  void bucketWidthsAreNiceAndFewEnough() {
    assertThat(DeliveryAnalysis.bucketWidth(10_000)).isEqualTo(1_000);
    assertThat(DeliveryAnalysis.bucketWidth(60_000)).isEqualTo(5_000);
    assertThat(DeliveryAnalysis.bucketWidth(3_600_000)).isEqualTo(300_000);
    assertThat(DeliveryAnalysis.bucketWidth(100L * 86_400_000) / 86_400_000).isLessThanOrEqualTo(4);
  }

  @Test
  void jsonHasTheDocumentedFieldsAndRoundTrips() throws Exception {
    Summary s = history().summary(10);
    String json = JsonReport.render(s);
    JsonNode node = JsonReport.mapper().readTree(json);
    for (String field : new String[] {"requests", "failures", "bytesByTier", "uniqueBytes", "originBytes", "p2pShare",
        "offload", "latencyMsByTier"}) {
      assertThat(node.has(field)).as("field %s in %s", field, json).isTrue();
    }
    assertThat(node.get("latencyMsByTier").get("peer").get("p99Ms").asDouble()).isGreaterThan(0);
    assertThat(json).doesNotContain("\n");
    assertThat(JsonReport.read(json)).isEqualTo(s);
  }

  @Test
  void textAndHtmlReportsShowTheTables() {
    DeliveryAnalysis a = history();
    Summary s = a.summary(10);
    String text = TextReport.render(s);
    assertThat(text).contains("origin offload", "P2P byte share", "Latency by tier", "Latency by hops",
        "Top uploading peers", "peer-7").contains("n/a");
    String html = HtmlReport.render(s, a.allLatency());
    assertThat(html).contains("Chart.js v4.6.1", "new Chart(", "\"offload\":").doesNotContain("</script\" ");
    assertThat(HtmlReport.latencyBuckets(a.allLatency()).stream().mapToLong(b -> ((Number) b.get("count")).longValue())
        .sum()).isEqualTo(6);
    String cmp = TextReport.comparison(s, s);
    assertThat(cmp).contains("CDN only", "hybrid", "origin bytes", "latency p95 ms");
  }
}
