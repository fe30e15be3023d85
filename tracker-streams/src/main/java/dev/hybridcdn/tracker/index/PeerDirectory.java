package dev.hybridcdn.tracker.index;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global peer directory of one instance: an in-memory store (the {@link TrackerStores#PEER_DIRECTORY}
 * global store) that also keeps every entry decoded, so a ranked lookup over ~100 holders reads
 * {@link PeerState}s without decoding bytes per holder. Both views are written by the same puts
 * (live processing and restoration on start).
 */
public final class PeerDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDirectory.class);
  private final ConcurrentHashMap<String, PeerState> decoded = new ConcurrentHashMap<>();
  private final Deserializer<PeerState> deserializer = PeerState.serde().deserializer();

  /** An announced live peer, or null (unknown, left, expired). Thread-safe, never blocks. */
  public PeerState get(String peerId) {
    return decoded.get(peerId);
  }

  /** A live view of the announced live peers (no copy; iteration is weakly consistent). */
  public Collection<PeerState> live() {
    return Collections.unmodifiableCollection(decoded.values());
  }

  /** Number of announced live peers. */
  public int size() {
    return decoded.size();
  }

  /**
   * The global store backing this directory: a plain (not timestamped) key-value store of
   * {@link PeerState}, without changelog (its topic is its changelog), for
   * {@code StreamsBuilder.addGlobalStore} with {@link #updater()}.
   */
  public StoreBuilder<KeyValueStore<String, PeerState>> storeBuilder() {
    return Stores.keyValueStoreBuilder(supplier(), Serdes.String(), PeerState.serde()).withLoggingDisabled();
  }

  /** The global processor: each directory record put into (or, a tombstone, deleted from) the store. */
  public static ProcessorSupplier<String, PeerState, Void, Void> updater() {
    return () -> new Processor<>() {
      private KeyValueStore<String, PeerState> store;

      @Override
      public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(TrackerStores.PEER_DIRECTORY);
      }

      @Override
      public void process(Record<String, PeerState> r) {
        if (r.value() == null) {
          store.delete(r.key());
        } else {
          store.put(r.key(), r.value());
        }
      }
    };
  }

  private KeyValueBytesStoreSupplier supplier() {
    return MirroredStore.supplier(TrackerStores.PEER_DIRECTORY, decoded::clear, this::mirror);
  }


  private void mirror(Bytes key, byte[] value) {
    String id = new String(key.get(), StandardCharsets.UTF_8);
    if (value == null) {
      decoded.remove(id);
      return;
    }
    try {
      PeerState s = deserializer.deserialize(TrackerStores.PEER_DIRECTORY, value);
      decoded.put(id.intern(), interned(s));
    } catch (RuntimeException e) {
      LOG.warn("undecodable peer directory entry for {} ignored: {}", id, e.toString());
      decoded.remove(id);
    }
  }

  /**
   * The same state with interned region and peer id: ranking compares every holder's region with
   * the requester's, and a handful of shared strings stay in cache where 10,000 copies do not; the
   * segment index's holder ids are interned too, so directory lookups match by identity.
   */
  private static PeerState interned(PeerState s) {
    String region = s.region() == null ? null : s.region().intern();
    String peerId = s.peerId() == null ? null : s.peerId().intern();
    if (region == s.region() && peerId == s.peerId()) {
      return s;
    }
    return new PeerState(peerId, s.announced(), region, s.baseUrl(), s.uploadSlots(), s.cacheCapacityBytes(),
        s.joinedTs(), s.lastEventTs(), s.lastSeenMs(), s.activeUploads(), s.meanRttMs(), s.uploadedBytes(),
        s.downloadedBytes(), s.cachedSegments(), s.cachedBytes(), s.heldSegments(), s.links(), s.demotedUntilMs(), s.admissionToken());
  }
}
