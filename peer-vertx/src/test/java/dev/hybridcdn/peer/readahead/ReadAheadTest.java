package dev.hybridcdn.peer.readahead;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReadAheadTest {
  static final List<Manifest.Segment> SEGMENTS = IntStream.range(0, 8)
      .mapToObj(i -> new Manifest.Segment(String.format("demo/64k/seg%05d.ts", i), i, 10_000, 1000, "a".repeat(64)))
      .toList();

  static List<Integer> indices(List<Manifest.Segment> list) {
    return list.stream().map(Manifest.Segment::index).toList();
  }

  @Test
  void fewestHoldersFirstUnknownCountsAsNoneTiesInPlaybackOrder() {
    List<Manifest.Segment> window = SEGMENTS.subList(2, 7);
    Map<String, Integer> holders = Map.of(SEGMENTS.get(2).segmentId(), 5, SEGMENTS.get(3).segmentId(), 1,
        SEGMENTS.get(4).segmentId(), 3, SEGMENTS.get(5).segmentId(), 1);
    assertThat(indices(ReadAhead.rarestFirst(window, holders))).containsExactly(6, 3, 5, 4, 2);
  }

  @Test
  void withoutCountsTheWindowStaysInPlaybackOrder() {
    assertThat(indices(ReadAhead.rarestFirst(SEGMENTS.subList(1, 5), Map.of()))).containsExactly(1, 2, 3, 4);
  }

  @Test
  void afterASegmentTheNextOneIsFetchedAtOnceThenTheRestRarestFirst() {
    Manifest m = new Manifest("demo", "", 80_000, List.of(new Manifest.Rendition("64k", 64, Manifest.AAC_LC,
        SEGMENTS)));
    List<Integer> fetched = new ArrayList<>();
    Promise<Map<String, Integer>> counts = Promise.promise();
    List<String> asked = new ArrayList<>();
    ReadAhead.Fetches recording = new Recording(fetched, Integer.MAX_VALUE);
    ReadAhead readAhead = new ReadAhead("peer-1", 4, 0, 4, new SegmentCache(1 << 20, null), recording, song -> {
      asked.add(song);
      return counts.future();
    });
    readAhead.after(m, SEGMENTS.get(0).segmentId(), true);
    assertThat(fetched).containsExactly(1); // the urgent one does not wait for the tracker
    counts.complete(Map.of(SEGMENTS.get(2).segmentId(), 9, SEGMENTS.get(3).segmentId(), 4,
        SEGMENTS.get(4).segmentId(), 4));
    assertThat(fetched).containsExactly(1, 3, 4, 2);
    assertThat(asked).containsExactly("demo");

    // counts are reused for a while: the next segment's read-ahead asks the tracker no more
    fetched.clear();
    readAhead.after(m, SEGMENTS.get(1).segmentId(), true);
    assertThat(fetched).as("5 has no holder: passed over").containsExactly(2, 3, 4);
    assertThat(asked).hasSize(1);
  }

  @Test
  void withoutAvailabilityReadAheadIsInPlaybackOrder() {
    Manifest m = new Manifest("demo", "", 80_000, List.of(new Manifest.Rendition("64k", 64, Manifest.AAC_LC,
        SEGMENTS)));
    List<Integer> fetched = new ArrayList<>();
    ReadAhead.Fetches recording = new Recording(fetched, 2);
    new ReadAhead("peer-1", 3, 0, 2, new SegmentCache(1 << 20, null), recording, null).after(m, SEGMENTS.get(4).segmentId(), true);
    assertThat(fetched).containsExactly(5, 6); // MAX_DOWNLOADS 2 reached before the third
  }

  static final List<Manifest.Segment> LONG = IntStream.range(0, 12)
      .mapToObj(i -> new Manifest.Segment(String.format("demo/192k/seg%05d.ts", i), i, 10_000, 1000, "b".repeat(64)))
      .toList();
  static final Manifest LONG_MANIFEST = new Manifest("demo", "", 120_000, List.of(new Manifest.Rendition("192k", 192,
      Manifest.AAC_LC, LONG)));

  @Test
  void withP2pTheWindowCoversReadAheadMsTheNextFromWhereItFinishesFirstTheRestFromHolders() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fetched = new ArrayList<>();
    List<Integer> fromHolders = new ArrayList<>();
    Recording recording = new Recording(fetched, Integer.MAX_VALUE, fromHolders, new int[1]);
    // READ_AHEAD 3 segments, READ_AHEAD_MS 60 s: six segments of 10 s after segment 2
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording, song -> Future.succeededFuture(
        Map.of())).after(m, LONG.get(2).segmentId(), true);
    assertThat(fetched).containsExactly(3, 4, 5, 6, 7, 8);
    assertThat(fromHolders).containsExactly(4, 5, 6, 7, 8);

    // a window shorter in media than READ_AHEAD still holds READ_AHEAD segments; the song's end cuts it
    fetched.clear();
    new ReadAhead("peer-1", 3, 5_000, 10, new SegmentCache(1 << 20, null), recording, song -> Future.succeededFuture(
        Map.of())).after(m, LONG.get(9).segmentId(), true);
    assertThat(fetched).containsExactly(10, 11);
  }

  @Test
  void theP2pWindowWaitsWhileAPlayerWaitsAndReadAheadZeroIsOff() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fetched = new ArrayList<>();
    int[] waiting = {1};
    Recording recording = new Recording(fetched, Integer.MAX_VALUE, new ArrayList<>(), waiting);
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording, song -> Future.succeededFuture(
        Map.of())).after(m, LONG.get(0).segmentId(), true);
    assertThat(fetched).as("the HTTP window only: the waiting player's bytes share the downlink").containsExactly(1);

    fetched.clear();
    waiting[0] = 0;
    new ReadAhead("peer-1", 0, 60_000, 10, new SegmentCache(1 << 20, null), recording, song -> Future.succeededFuture(
        Map.of())).after(m, LONG.get(0).segmentId(), true);
    assertThat(fetched).isEmpty();
  }

  @Test
  void afterAMissInABurstTheBurstWindowWithP2pTheWholeWindowWithout() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fetched = new ArrayList<>();
    List<Integer> fromHolders = new ArrayList<>();
    Recording recording = new Recording(fetched, Integer.MAX_VALUE, fromHolders, new int[1]);
    // the start-up segment: the player asks for the next one at once, and likely in another rendition
    // after that (it starts low and switches up), so the next 10 s only
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording, song -> Future.succeededFuture(
        Map.of())).after(m, LONG.get(0).segmentId(), false);
    assertThat(fetched).containsExactly(1);
    assertThat(fromHolders).as("no P2P window while the player waits in its burst").isEmpty();
    fetched.clear();
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording, null)
        .after(m, LONG.get(0).segmentId(), false);
    assertThat(fetched).containsExactly(1, 2, 3);
  }

  @Test
  void aMissInAStartUpBurstAsksHoldersForThePlayersNext30SecondsAtOnceButNotInSteadyPlay() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fromHolders = new ArrayList<>();
    int[] waiting = {1}; // the player that missed waits
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, fromHolders, waiting), song -> Future.succeededFuture(
        Map.of()));
    long t = 1_000_000;
    readAhead.missed(m, LONG.get(0).segmentId(), t);
    assertThat(fromHolders).as("10 s segments: the two after the burst window's, in playback order, while the"
        + " player waits").containsExactly(2, 3);

    readAhead.after(m, LONG.get(4).segmentId(), true, t + 1000);
    fromHolders.clear();
    readAhead.missed(m, LONG.get(5).segmentId(), t + 3500); // a segment's playing time later
    assertThat(fromHolders).as("steady play is read-ahead's, not a burst").isEmpty();

    List<Integer> off = new ArrayList<>();
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, off, new int[1]), null)
        .missed(m, LONG.get(0).segmentId(), t);
    assertThat(off).as("P2P off").isEmpty();
  }

  @Test
  void aSteadyPlayerMayWaitForHoldersAnEighthOfWhatItHasBufferedInRealTimeAStartingOneNot() {
    Manifest m = LONG_MANIFEST;
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, new ArrayList<>(), new int[1]),
        song -> Future.succeededFuture(Map.of()));
    long t = 1_000_000;
    assertThat(readAhead.patienceMs(m, LONG.get(0).segmentId(), t)).as("a song's start: nothing buffered").isZero();

    readAhead.after(m, LONG.get(4).segmentId(), true, t); // segment 4 answered at t
    assertThat(readAhead.patienceMs(m, LONG.get(5).segmentId(), t + 300)).as("asked at once: a burst").isZero();
    // Asked a 10 s segment's playing time at 4x later: 30 s buffered less this segment, 20 s of media, 5 s.
    assertThat(readAhead.patienceMs(m, LONG.get(5).segmentId(), t + 2500)).isEqualTo(5000 / 8);
    assertThat(readAhead.patienceMs(m, LONG.get(5).segmentId(), t + 10_000)).as("1x: 20 s buffered, capped")
        .isEqualTo(ReadAhead.MAX_PATIENCE_MS);
    assertThat(readAhead.patienceMs(m, LONG.get(7).segmentId(), t + 2500)).as("not the next one: a seek").isZero();

    ReadAhead off = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, new ArrayList<>(), new int[1]), null);
    off.after(m, LONG.get(4).segmentId(), true, t);
    assertThat(off.patienceMs(m, LONG.get(5).segmentId(), t + 2500)).as("P2P off: the edges at once").isZero();
  }

  @Test
  void aPlayerInItsBurstMayWaitForTheReadAheadItJoinsAnEighthOfTheSegmentBeforeAtMostOneSecond() {
    Manifest m = LONG_MANIFEST;
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, new ArrayList<>(), new int[1]),
        song -> Future.succeededFuture(Map.of()));
    long t = 1_000_000;
    assertThat(readAhead.burstPatienceMs(m, LONG.get(0).segmentId(), t)).as("a song's start: nothing buffered")
        .isZero();
    readAhead.after(m, LONG.get(4).segmentId(), false, t); // segment 4 (10 s) answered at t
    assertThat(readAhead.burstPatienceMs(m, LONG.get(5).segmentId(), t + 120))
        .as("10 s buffered: an eighth is 1.25 s, capped at 1 s").isEqualTo(ReadAhead.MAX_BURST_PATIENCE_MS);
    assertThat(readAhead.burstPatienceMs(m, LONG.get(5).segmentId(), t + 2500)).as("steady play: patienceMs")
        .isZero();
    assertThat(readAhead.burstPatienceMs(m, LONG.get(7).segmentId(), t + 120)).as("the one before not answered")
        .isZero();

    ReadAhead off = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, new ArrayList<>(), new int[1]), null);
    off.after(m, LONG.get(4).segmentId(), false, t);
    assertThat(off.burstPatienceMs(m, LONG.get(5).segmentId(), t + 120)).as("P2P off").isZero();
  }

  @Test
  void twoPlayersOfOneSongOnOnePeerAreEachSeenPlayingSteadily() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fromHolders = new ArrayList<>();
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(new ArrayList<>(), Integer.MAX_VALUE, fromHolders, new int[1]),
        song -> Future.succeededFuture(Map.of()));
    long t = 1_000_000;
    readAhead.after(m, LONG.get(4).segmentId(), true, t);        // player A's segment 4
    readAhead.after(m, LONG.get(8).segmentId(), true, t + 1200); // player B's segment 8, in between
    fromHolders.clear();

    readAhead.missed(m, LONG.get(5).segmentId(), t + 2500);
    assertThat(fromHolders).as("A plays steadily: no burst asked of holders").isEmpty();
    assertThat(readAhead.patienceMs(m, LONG.get(5).segmentId(), t + 2500)).isEqualTo(5000 / 8);
    assertThat(readAhead.patienceMs(m, LONG.get(9).segmentId(), t + 3700)).as("B too").isEqualTo(5000 / 8);
  }

  @Test
  void aPlayerSwitchingRenditionGetsTheNextSegmentsOfTheNewOneAtOnce() {
    List<Manifest.Segment> low = IntStream.range(0, 12)
        .mapToObj(i -> new Manifest.Segment(String.format("demo/64k/seg%05d.ts", i), i, 10_000, 1000, "c".repeat(64)))
        .toList();
    Manifest m = new Manifest("demo", "", 120_000, List.of(new Manifest.Rendition("64k", 64, Manifest.AAC_LC, low),
        new Manifest.Rendition("192k", 192, Manifest.AAC_LC, LONG)));
    List<String> asked = new ArrayList<>();
    ReadAhead.Fetches recording = new ReadAhead.Fetches() {
      @Override
      public int inFlight() {
        return 0;
      }

      @Override
      public boolean isFetching(String segmentId) {
        return false;
      }

      @Override
      public Future<?> fetch(Manifest.Segment segment) {
        asked.add(segment.segmentId());
        return Future.succeededFuture();
      }
    };
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording,
        song -> Future.succeededFuture(Map.of()));
    assertThat(readAhead.switching("demo", "192k")).as("nothing served yet").isFalse();
    readAhead.after(m, low.get(0).segmentId(), false); // the start-up segment, a miss: the burst window only
    assertThat(asked).containsExactly(low.get(1).segmentId());
    assertThat(readAhead.switching("demo", "64k")).as("a reload of the same rendition").isFalse();
    assertThat(readAhead.switching("demo", "192k")).isTrue();
    asked.clear();
    readAhead.switchedTo(m, "192k");
    assertThat(asked).containsExactly(LONG.get(1).segmentId(), LONG.get(2).segmentId(), LONG.get(3).segmentId());

    // P2P off: the P2P-off reference of cdn eval reads ahead as before, no switch detection
    ReadAhead off = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording, null);
    off.after(m, low.get(0).segmentId(), false);
    assertThat(off.switching("demo", "192k")).isFalse();
  }

  @Test
  void withoutAvailabilityReadAheadMsDoesNotApply() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fetched = new ArrayList<>();
    List<Integer> fromHolders = new ArrayList<>();
    new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null),
        new Recording(fetched, Integer.MAX_VALUE, fromHolders, new int[1]), null).after(m, LONG.get(0).segmentId(), true);
    assertThat(fetched).containsExactly(1, 2, 3); // P2P off: READ_AHEAD segments, full pipeline
    assertThat(fromHolders).isEmpty();
  }

  @Test
  void theP2pWindowPassesOverSegmentsNoHolderHasAndTheNextSegmentInSteadyPlayTriesHoldersFirst() {
    Manifest m = LONG_MANIFEST;
    List<Integer> fetched = new ArrayList<>();
    List<Integer> fromHolders = new ArrayList<>();
    List<Integer> next = new ArrayList<>();
    Recording recording = new Recording(fetched, Integer.MAX_VALUE, fromHolders, new int[1]) {
      @Override
      public Future<?> fetchNext(Manifest.Segment segment) {
        next.add(segment.index());
        return fetch(segment);
      }
    };
    // Six segments after segment 2; the tracker knows holders of 5 and 7 only (4, 6 and 8 have none).
    Map<String, Integer> holders = Map.of(LONG.get(5).segmentId(), 2, LONG.get(7).segmentId(), 1,
        LONG.get(6).segmentId(), 0);
    ReadAhead readAhead = new ReadAhead("peer-1", 3, 60_000, 10, new SegmentCache(1 << 20, null), recording,
        song -> Future.succeededFuture(holders));
    long t = 1_000_000;
    readAhead.after(m, LONG.get(1).segmentId(), true, t);
    assertThat(next).as("no earlier request, maybe a burst, but a local hit: holders first").containsExactly(2);
    next.clear();
    fetched.clear();
    fromHolders.clear();
    readAhead.after(m, LONG.get(2).segmentId(), true, t + 2500); // a segment's playing time later: steady
    assertThat(next).as("steady play: the next 20 s holders first (full pipeline)").containsExactly(3, 4);
    assertThat(fromHolders).as("rarest first among the segments some holder has").containsExactly(7, 5);

    // A local hit right after the one before (the end of a start-up burst): one segment, holders first (the
    // player has this one's media buffered), not where it finishes first.
    next.clear();
    fetched.clear();
    readAhead.after(m, LONG.get(3).segmentId(), true, t + 2600);
    assertThat(fetched).startsWith(4);
    assertThat(next).containsExactly(4);
    // A miss a segment's playing time later (a late read-ahead it joined) is steady play still:
    // the next 20 s holders first, and the P2P window (7 has a holder).
    next.clear();
    fetched.clear();
    fromHolders.clear();
    readAhead.after(m, LONG.get(4).segmentId(), false, t + 6000);
    assertThat(next).containsExactly(5, 6);
    assertThat(fromHolders).containsExactly(7);
    // A miss right after the one before (a burst): the next 10 s where they finish first, no P2P window.
    next.clear();
    fetched.clear();
    fromHolders.clear();
    readAhead.after(m, LONG.get(5).segmentId(), false, t + 6100);
    assertThat(fetched).containsExactly(6);
    assertThat(next).isEmpty();
    assertThat(fromHolders).isEmpty();
  }

  /**
   * Records the indices fetched (and those asked of holders only); each fetch stays in flight until
   * {@code limit} of them are (a busy peer); {@code waiting[0]} players wait.
   */
  private static class Recording implements ReadAhead.Fetches {
    final List<Integer> fetched;
    final int limit;
    final List<Integer> fromHolders;
    final int[] waiting;

    Recording(List<Integer> fetched, int limit, List<Integer> fromHolders, int[] waiting) {
      this.fetched = fetched;
      this.limit = limit;
      this.fromHolders = fromHolders;
      this.waiting = waiting;
    }

    Recording(List<Integer> fetched, int limit) {
      this(fetched, limit, new ArrayList<>(), new int[1]);
    }

    @Override
    public Future<?> fetchAhead(Manifest.Segment segment) {
      fromHolders.add(segment.index());
      return fetch(segment);
    }

    @Override
    public int playersWaiting() {
      return waiting[0];
    }

    @Override
    public int inFlight() {
      return fetched.size() >= limit ? limit : 0;
    }

    @Override
    public boolean isFetching(String segmentId) {
      return false;
    }

    @Override
    public Future<?> fetch(Manifest.Segment segment) {
      fetched.add(segment.index());
      return Future.succeededFuture();
    }
  }
}
