package dev.hybridcdn.tracker.index;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * Direct read access to this instance's {@link TrackerStores#SEGMENT_HOLDERS} stores by partition,
 * for the lookup route: the holders of a segment are one hash lookup in the store's own map,
 * instead of a prefix scan through Streams' store layers that encodes and decodes every key (the
 * largest cost of a lookup after ranking in the benchmark profile). It grants no access rights of
 * its own: the caller first obtains the store partition through interactive queries
 * ({@code KafkaStreams.store} with the same partition and staleness), which enforces the
 * active/standby/running rules, and only then reads here.
 */
public final class HolderIndex {
  private final ConcurrentHashMap<Integer, GroupedStore> byPartition = new ConcurrentHashMap<>();

  void opened(int partition, GroupedStore store) {
    byPartition.put(partition, store);
  }

  void closed(int partition, GroupedStore store) {
    byPartition.remove(partition, store);
  }

  /**
   * Peer ids the index lists for {@code segmentId} in {@code partition} (live or pending; ranking
   * filters through the directory).
   *
   * @throws InvalidStateStoreException when this instance holds no open store of that partition,
   *     or it was closed while being read (the caller answers from elsewhere, never empty)
   */
  public List<String> holders(int partition, String segmentId) {
    GroupedStore store = byPartition.get(partition);
    if (store == null || !store.isOpen()) {
      throw new InvalidStateStoreException("no open segment index store for partition " + partition);
    }
    List<String> out = store.members(segmentId);
    if (!store.isOpen()) {
      throw new InvalidStateStoreException("segment index store of partition " + partition + " closed while read");
    }
    return out;
  }
}
