package dev.hybridcdn.peer.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hybridcdn.peer.fetch.multisource.SourceRates;
import dev.hybridcdn.peer.probe.LinkTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a waiting player's miss goes first: the policy behind {@code SegmentFetcher.fetchUrgent}. */
class FinishTimesTest {
  static final String EDGE = "http://127.0.1.2:8082";
  static final long SEGMENT = 240_000; // a 10 s segment at 192 kbit/s
  static final long HEDGE_MS = 300;

  final LinkTable links = new LinkTable(List.of(EDGE));
  final SourceRates holders = new SourceRates();
  final SourceRates edges = new SourceRates(true);
  final FinishTimes finish = new FinishTimes(links, holders, edges);

  /** {@code bytes} arrived in {@code ms}. */
  static void sample(SourceRates rates, String id, long bytes, long ms) {
    rates.sample(id, bytes, ms * 1_000_000);
  }

  @Test
  void untilAnEdgeAndAHolderWereMeasuredOnlyAStartUpGoesToTheEdge() {
    // 50 ms assumed round trip + 240 KB at the assumed 1 MB/s
    assertThat(finish.holderMs(SEGMENT)).isCloseTo(290, within(0.01));
    links.edges().get(0).sample(26);
    assertThat(finish.edgeMs(SEGMENT)).isCloseTo(266, within(0.01));
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).as("nothing measured: peers first").isFalse();
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, true, 0)).as("nothing measured: a start-up at the edge").isTrue();
    sample(edges, EDGE, 240_000, 40);
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).as("no holder measured yet").isFalse();
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, true, 0)).isTrue();
    sample(holders, "peer-2", 240_000, 400);
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).isTrue();
    assertThat(finish.edgeFirst(SEGMENT, 0, true, 0)).as("hedge off: peers first, a start-up too").isFalse();
  }

  @Test
  void onceMeasuredAStartUpFromAFastHolderStaysWithThePeers() {
    links.edges().get(0).sample(1);
    sample(edges, EDGE, 240_000, 2);
    sample(holders, "peer-2", 240_000, 20); // a LAN: 12 MB/s
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, true, 0)).isFalse();
  }

  @Test
  void thinUplinksAndAFastEdgeSendTheMissToTheEdgeAtOnce() {
    links.edges().get(0).sample(26); // 13 ms one way
    links.neighbour("peer-2", "http://127.0.1.10:9000", "eu-west");
    links.neighbours().get(0).sample(40);
    sample(holders, "peer-2", 240_000, 400); // 600 KB/s: about 5 Mbit/s
    sample(holders, "peer-3", 240_000, 960); // 2 Mbit/s
    sample(edges, EDGE, 240_000, 40);        // 6 MB/s: the player's downlink
    assertThat(finish.holderMs(SEGMENT)).isCloseTo(40 + 400, within(0.01)); // the median holder
    assertThat(finish.edgeMs(SEGMENT)).isCloseTo(26 + 40, within(0.01));
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).isTrue();
    assertThat(finish.edgeFirst(SEGMENT, 0, false, 0)).as("hedge off: peers first whatever the rates").isFalse();
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 500)).as("a player that can wait 500 ms: holders first")
        .isFalse();
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 300)).as("the holder would outlast its patience").isTrue();
  }

  @Test
  void aHolderExpectedWithinFiftyMsKeepsTheSwarmServingEvenIfTheEdgeIsFaster() {
    links.edges().get(0).sample(1);
    links.neighbour("peer-2", "http://127.0.0.1:9001", "local");
    links.neighbours().get(0).sample(2);
    sample(holders, "peer-2", 240_000, 20); // a LAN: 12 MB/s
    sample(edges, EDGE, 240_000, 2);
    assertThat(finish.holderMs(SEGMENT)).isCloseTo(22, within(0.01));
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).isFalse();
  }

  @Test
  void anEdgeIsJudgedByItsRecentPeakNotByFetchesThatSharedTheDownlink() {
    sample(edges, EDGE, 240_000, 40);  // 6 MB/s, the downlink to itself
    sample(edges, EDGE, 240_000, 400); // a hedge while two read-aheads shared the downlink
    assertThat(edges.bytesPerSecond(EDGE)).isCloseTo(6_000_000 * 0.8, within(1.0));
    sample(edges, EDGE, 240_000, 30);  // a faster one replaces the peak
    assertThat(edges.bytesPerSecond(EDGE)).isCloseTo(8_000_000, within(1.0));
  }

  @Test
  void everyEdgeDownMeansPeers() {
    sample(holders, "peer-2", 240_000, 2000);
    links.edges().get(0).failed(System.currentTimeMillis());
    assertThat(finish.edgeMs(SEGMENT)).isEqualTo(Double.MAX_VALUE);
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, false, 0)).isFalse();
    assertThat(finish.edgeFirst(SEGMENT, HEDGE_MS, true, 0)).as("a start-up too").isFalse();
  }
}
