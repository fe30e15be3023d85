package dev.hybridcdn.peer.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentCacheTest {
  private final List<String> log = new ArrayList<>();
  private final SegmentCache.Listener listener = new SegmentCache.Listener() {
    @Override
    public void cached(CachedSegment s) {
      log.add("cached " + s.segmentId());
    }

    @Override
    public void evicted(CachedSegment s) {
      log.add("evicted " + s.segmentId());
    }
  };

  private static CachedSegment seg(String id, int bytes) {
    return new CachedSegment(id, Buffer.buffer(new byte[bytes]), "00");
  }

  @Test
  void boundedByBytesNotEntriesAndEvictsLeastRecentlyUsed() {
    SegmentCache cache = new SegmentCache(1000, listener);
    cache.put(seg("a/64k/s0.ts", 400));
    cache.put(seg("a/64k/s1.ts", 400));
    cache.get("a/64k/s0.ts"); // s0 now most recently used
    cache.put(seg("a/64k/s2.ts", 400));

    assertThat(cache.usedBytes()).isEqualTo(800);
    assertThat(cache.segmentIds()).containsExactly("a/64k/s0.ts", "a/64k/s2.ts");
    assertThat(log).containsExactly("cached a/64k/s0.ts", "cached a/64k/s1.ts", "evicted a/64k/s1.ts",
        "cached a/64k/s2.ts");
  }

  @Test
  void manySmallSegmentsFitWhereFewLargeOnesDo() {
    SegmentCache cache = new SegmentCache(1000, listener);
    for (int i = 0; i < 10; i++) {
      cache.put(seg("a/64k/s" + i + ".ts", 100));
    }
    assertThat(cache.size()).isEqualTo(10);
    cache.put(seg("a/64k/big.ts", 950));
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.usedBytes()).isEqualTo(950);
    assertThat(log.stream().filter(l -> l.startsWith("evicted"))).hasSize(10);
  }

  @Test
  void aSegmentLargerThanTheBudgetIsNotCachedAndNothingIsEvicted() {
    SegmentCache cache = new SegmentCache(1000, listener);
    cache.put(seg("a/64k/s0.ts", 500));
    assertThat(cache.put(seg("a/64k/huge.ts", 1001))).isFalse();
    assertThat(cache.segmentIds()).containsExactly("a/64k/s0.ts");
  }

  @Test
  void reinsertingAHeldSegmentAnnouncesNothing() {
    SegmentCache cache = new SegmentCache(1000, listener);
    assertThat(cache.put(seg("a/64k/s0.ts", 100))).isTrue();
    assertThat(cache.put(seg("a/64k/s0.ts", 100))).isFalse();
    assertThat(log).containsExactly("cached a/64k/s0.ts");
    assertThat(cache.usedBytes()).isEqualTo(100);
  }

  @Test
  void retiredSegmentsAreRemovedAndEachHeldOneIsReportedAsEvicted() {
    SegmentCache cache = new SegmentCache(1000, listener);
    cache.put(seg("a/64k/s0.ts", 100));
    cache.put(seg("a/64k/s1.ts", 200));
    cache.put(seg("a/64k/s2.ts", 300));
    log.clear();

    assertThat(cache.remove(List.of("a/64k/s0.ts", "a/64k/s2.ts", "a/64k/never.ts"))).isEqualTo(2);
    assertThat(cache.segmentIds()).containsExactly("a/64k/s1.ts");
    assertThat(cache.usedBytes()).isEqualTo(200);
    assertThat(log).containsExactly("evicted a/64k/s0.ts", "evicted a/64k/s2.ts");
  }
}
