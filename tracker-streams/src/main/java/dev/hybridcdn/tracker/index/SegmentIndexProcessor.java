package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.internal.HolderChange;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment index, keyed by segment id (after the {@link TrackerStores#HOLDINGS_BY_SEGMENT}
 * repartition): {@code segmentId|peerId} entries in {@link TrackerStores#SEGMENT_HOLDERS} and a
 * holder count per segment in {@link TrackerStores#SEGMENT_HOLDER_COUNTS}. Changes come from
 * {@link PeerProcessor} as {@link HolderChange} records (schemas, {@code avro/internal/}); bytes
 * that are no HolderChange never get here: the deserialization handler dead-letters them.
 */
final class SegmentIndexProcessor implements Processor<String, HolderChange, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentIndexProcessor.class);
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, Long> holders;
  private KeyValueStore<String, Integer> counts;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    holders = context.getStateStore(TrackerStores.SEGMENT_HOLDERS);
    counts = context.getStateStore(TrackerStores.SEGMENT_HOLDER_COUNTS);
  }

  @Override
  public void process(Record<String, HolderChange> r) {
    String segmentId = r.key();
    HolderChange change = r.value();
    if (segmentId == null || change == null || Ids.SegmentId.parse(segmentId).isEmpty()) {
      LOG.warn("skipped malformed index change {} -> {} at {}", segmentId, change, context.recordMetadata());
      return;
    }
    String key = TrackerStores.composite(segmentId, change.getPeerId());
    switch (change.getAction()) {
      case ADD -> {
        if (holders.get(key) == null) {
          Integer n = counts.get(segmentId);
          counts.put(segmentId, n == null ? 1 : n + 1);
        }
        holders.put(key, change.getBytes());
      }
      case REMOVE -> {
        if (holders.delete(key) != null) {
          Integer n = counts.get(segmentId);
          if (n == null || n <= 1) {
            counts.delete(segmentId);
          } else {
            counts.put(segmentId, n - 1);
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown holder action " + change.getAction());
    }
  }
}
