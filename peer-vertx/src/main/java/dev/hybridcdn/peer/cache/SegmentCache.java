package dev.hybridcdn.peer.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Least-recently-used segment cache bounded by a byte budget (not an entry count). Every insertion
 * and every eviction is reported to the {@link Listener} (the peer turns them into SegmentCached /
 * SegmentEvicted on {@code cdn.segment-events}).
 *
 * <p>Why not Caffeine: its eviction is approximate (W-TinyLFU) and asynchronous; the swarm's tracker
 * index must learn of every eviction in order, right after the insertion that caused it, and one
 * host runs hundreds of caches, so a {@link LinkedHashMap} in access order (a few hundred bytes of
 * overhead per cache) is the better fit. Thread-safe (one lock; operations are O(1)).
 */
public final class SegmentCache {
  /** Told of every change, after it happened, on the thread that made it. */
  public interface Listener {
    void cached(CachedSegment segment);

    void evicted(CachedSegment segment);
  }

  private final long capacityBytes;
  private final Listener listener;
  private final LinkedHashMap<String, CachedSegment> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long usedBytes;

  /**
   * @param capacityBytes byte budget; a segment larger than it is never cached
   */
  public SegmentCache(long capacityBytes, Listener listener) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be positive: " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
    this.listener = listener;
  }

  /** The segment, marking it most recently used; null when absent. */
  public CachedSegment get(String segmentId) {
    synchronized (this) {
      return entries.get(segmentId);
    }
  }

  /** True when held, without touching its recency. */
  public boolean contains(String segmentId) {
    synchronized (this) {
      return entries.containsKey(segmentId);
    }
  }

  /**
   * Inserts a segment and evicts least recently used ones until the budget holds. A segment already
   * present is only touched (no event). A segment larger than the whole budget is not cached.
   *
   * @return true when the segment was inserted (and SegmentCached reported)
   */
  public boolean put(CachedSegment segment) {
    List<CachedSegment> evicted = new ArrayList<>();
    synchronized (this) {
      if (entries.containsKey(segment.segmentId())) {
        entries.get(segment.segmentId());
        return false;
      }
      if (segment.size() > capacityBytes) {
        return false;
      }
      Iterator<Map.Entry<String, CachedSegment>> it = entries.entrySet().iterator();
      while (usedBytes + segment.size() > capacityBytes && it.hasNext()) {
        CachedSegment old = it.next().getValue();
        it.remove();
        usedBytes -= old.size();
        evicted.add(old);
      }
      entries.put(segment.segmentId(), segment);
      usedBytes += segment.size();
    }
    // Evictions first: a tracker that reads them in order never sees the peer over budget.
    for (CachedSegment old : evicted) {
      listener.evicted(old);
    }
    listener.cached(segment);
    return true;
  }

  /**
   * Removes the given segments (retired ones), reporting each one held as evicted.
   *
   * @return segments removed
   */
  public int remove(java.util.Collection<String> segmentIds) {
    List<CachedSegment> removed = new ArrayList<>();
    synchronized (this) {
      for (String id : segmentIds) {
        CachedSegment old = entries.remove(id);
        if (old != null) {
          usedBytes -= old.size();
          removed.add(old);
        }
      }
    }
    removed.forEach(listener::evicted);
    return removed.size();
  }

  /** Removes every entry, reporting each as evicted. */
  public void clear() {
    List<CachedSegment> all;
    synchronized (this) {
      all = new ArrayList<>(entries.values());
      entries.clear();
      usedBytes = 0;
    }
    all.forEach(listener::evicted);
  }

  public synchronized int size() {
    return entries.size();
  }

  /** Bytes held, the sum of the cached segments' lengths. */
  public synchronized long usedBytes() {
    return usedBytes;
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  /** Every cached segment, least recently used first, without touching their recency. */
  public synchronized List<CachedSegment> snapshot() {
    return new ArrayList<>(entries.values());
  }

  /** Segment ids, least recently used first. */
  public synchronized List<String> segmentIds() {
    return new ArrayList<>(entries.keySet());
  }
}
