package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.serde.EventCodec;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segments the catalog names, for the tracker to doubt holdings (issue 16): a holding is
 * indexed only for a segment some SongPublished on {@code cdn.catalog} lists and no SongRetired has
 * retired since. One per instance, fed by the {@link TrackerStores#CATALOG} global store (every
 * instance reads the whole topic, restored on start), read by the peer processor. A new version
 * adds its segments; the old version's stay until their SongRetired (retention), as the origin
 * serves them.
 */
public final class SegmentCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentCatalog.class);
  private final Set<String> segments = ConcurrentHashMap.newKeySet();
  private final EventCodec codec;
  private final String topic;

  /**
   * @param codec the event codec of {@code topic}
   * @param topic the catalog topic's name
   */
  public SegmentCatalog(EventCodec codec, String topic) {
    this.codec = codec;
    this.topic = topic;
  }

  /** True when the catalog names this segment. Thread-safe, never blocks. */
  public boolean contains(String segmentId) {
    return segments.contains(segmentId);
  }

  /** Segments the catalog names now. */
  public int size() {
    return segments.size();
  }

  /** The global store (raw event bytes by catalog key), no changelog: its topic is its changelog. */
  public StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
    return Stores.keyValueStoreBuilder(MirroredStore.supplier(TrackerStores.CATALOG, segments::clear, this::mirror),
        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled();
  }

  /** The global processor: each catalog record put into the store (which mirrors it here). */
  public static ProcessorSupplier<String, byte[], Void, Void> updater() {
    return () -> new Processor<>() {
      private KeyValueStore<String, byte[]> store;

      @Override
      public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(TrackerStores.CATALOG);
      }

      @Override
      public void process(Record<String, byte[]> r) {
        if (r.value() != null) {
          store.put(r.key(), r.value());
        }
      }
    };
  }

  private void mirror(Bytes key, byte[] value) {
    if (value == null) {
      return; // a tombstone retires nothing: only SongRetired does
    }
    SpecificRecord event;
    try {
      event = codec.decode(topic, value);
    } catch (RuntimeException e) {
      LOG.warn("undecodable catalog record {} ignored: {}", new String(key.get(), StandardCharsets.UTF_8), e.toString());
      return;
    }
    if (event instanceof SongPublished p) {
      for (RenditionInfo r : p.getRenditions()) {
        for (SegmentInfo s : r.getSegments()) {
          segments.add(s.getSegmentId());
        }
      }
    } else if (event instanceof SongRetired r) {
      r.getSegmentIds().forEach(segments::remove);
    }
  }
}
