package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.Ids;
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
 * {@link PeerProcessor} as {@code +peerId:bytes} or {@code -peerId}.
 */
final class SegmentIndexProcessor implements Processor<String, String, Void, Void> {
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
  public void process(Record<String, String> r) {
    String segmentId = r.key();
    String change = r.value();
    if (segmentId == null || change == null || change.length() < 2 || Ids.SegmentId.parse(segmentId).isEmpty()) {
      LOG.warn("skipped malformed index change {} -> {} at {}", segmentId, change, context.recordMetadata());
      return;
    }
    char op = change.charAt(0);
    if (op == PeerProcessor.IndexChange.ADD) {
      int colon = change.lastIndexOf(':');
      String peerId = colon > 0 ? change.substring(1, colon) : change.substring(1);
      long bytes = colon > 0 ? Long.parseLong(change.substring(colon + 1)) : 0;
      String key = TrackerStores.composite(segmentId, peerId);
      if (holders.get(key) == null) {
        Integer n = counts.get(segmentId);
        counts.put(segmentId, n == null ? 1 : n + 1);
      }
      holders.put(key, bytes);
    } else if (op == PeerProcessor.IndexChange.REMOVE) {
      String key = TrackerStores.composite(segmentId, change.substring(1));
      if (holders.delete(key) != null) {
        Integer n = counts.get(segmentId);
        if (n == null || n <= 1) {
          counts.delete(segmentId);
        } else {
          counts.put(segmentId, n - 1);
        }
      }
    }
  }
}
