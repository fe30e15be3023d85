package dev.hybridcdn.edge.origin;

import dev.hybridcdn.contract.manifest.Manifest;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The edge's copies of origin documents (song list, manifests, playlists) by path, bounded by count
 * ({@code EDGE_DOCUMENT_CACHE_ENTRIES}) and by body bytes ({@code EDGE_DOCUMENT_CACHE_BYTES}): past
 * either bound the least-recently-used copy is dropped. A document larger than the byte bound is
 * not kept. A manifest's parsed form rides on its copy, so it is dropped with it. Thread-safe (one
 * lock; documents are few and small next to segments, so the lock is not on the segment path).
 */
final class DocumentCache {
  /** A kept copy; {@code manifest} is its parsed form once someone parsed it. */
  static final class Entry {
    final OriginDocuments.Doc doc;
    volatile Manifest manifest;

    Entry(OriginDocuments.Doc doc) {
      this.doc = doc;
    }
  }

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;

  /**
   * @param maxEntries copies kept at most, 1 or more
   * @param maxBytes body bytes kept at most, 1 or more
   */
  DocumentCache(int maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** The copy of {@code path}, or null; counts as a use for recency. */
  synchronized Entry get(String path) {
    return entries.get(path);
  }

  /** Keeps {@code doc} as the copy of {@code path} (replacing any), then evicts past the bounds. */
  synchronized void put(String path, OriginDocuments.Doc doc) {
    remove(path);
    long size = doc.body().length();
    if (size > maxBytes) {
      return;
    }
    entries.put(path, new Entry(doc));
    bytes += size;
    Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
    while ((entries.size() > maxEntries || bytes > maxBytes) && eldest.hasNext()) {
      bytes -= eldest.next().getValue().doc.body().length();
      eldest.remove();
    }
  }

  synchronized void remove(String path) {
    Entry old = entries.remove(path);
    if (old != null) {
      bytes -= old.doc.body().length();
    }
  }

  /** Drops every copy whose path {@code test} accepts. */
  synchronized void removeIf(java.util.function.Predicate<String> test) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Entry> e = it.next();
      if (test.test(e.getKey())) {
        bytes -= e.getValue().doc.body().length();
        it.remove();
      }
    }
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long bytes() {
    return bytes;
  }
}
