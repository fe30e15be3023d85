package dev.hybridcdn.tracker.index;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
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
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return TrackerStores.PEER_DIRECTORY;
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new Store();
      }

      @Override
      public String metricsScope() {
        return "in-memory";
      }
    };
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
        s.downloadedBytes(), s.cachedSegments(), s.cachedBytes(), s.heldSegments(), s.links());
  }

  /**
   * A plain key-value bytes store under a non-timestamped store builder: values are the serialized
   * {@link PeerState}, the same bytes as on the topic, whether written by {@link #updater()} or
   * restored from the topic; this class depends on no internal byte layout of Streams.
   */
  private final class Store implements KeyValueStore<Bytes, byte[]> {
    private final NavigableMap<Bytes, byte[]> map = new ConcurrentSkipListMap<>();
    private volatile boolean open;

    @Override
    public String name() {
      return TrackerStores.PEER_DIRECTORY;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
      decoded.clear();
      context.register(root, (key, value) -> put(Bytes.wrap(key), value));
      open = true;
    }

    @Override
    public void close() {
      open = false;
    }

    @Override
    public boolean persistent() {
      return false;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void put(Bytes key, byte[] value) {
      if (value == null) {
        map.remove(key);
      } else {
        map.put(key, value);
      }
      mirror(key, value);
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
      byte[] old = map.get(key);
      if (old == null) {
        put(key, value);
      }
      return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
      entries.forEach(kv -> put(kv.key, kv.value));
    }

    @Override
    public byte[] delete(Bytes key) {
      byte[] old = map.remove(key);
      mirror(key, null);
      return old;
    }

    @Override
    public byte[] get(Bytes key) {
      return map.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
      if (from != null && to != null && from.compareTo(to) > 0) {
        return iterator(Map.<Bytes, byte[]>of().entrySet().iterator());
      }
      NavigableMap<Bytes, byte[]> sub = map;
      if (from != null) {
        sub = sub.tailMap(from, true);
      }
      if (to != null) {
        sub = sub.headMap(to, true);
      }
      return iterator(new ArrayList<>(sub.entrySet()).iterator());
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
      return iterator(new ArrayList<>(map.entrySet()).iterator());
    }

    @Override
    public long approximateNumEntries() {
      return map.size();
    }

    private KeyValueIterator<Bytes, byte[]> iterator(Iterator<Map.Entry<Bytes, byte[]>> it) {
      return new KeyValueIterator<>() {
        private Map.Entry<Bytes, byte[]> peeked;

        @Override
        public boolean hasNext() {
          return peeked != null || it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
          Map.Entry<Bytes, byte[]> e = peeked != null ? peeked : it.next();
          peeked = null;
          return KeyValue.pair(e.getKey(), e.getValue());
        }

        @Override
        public Bytes peekNextKey() {
          if (peeked == null) {
            peeked = it.next();
          }
          return peeked.getKey();
        }

        @Override
        public void close() {}
      };
    }
  }
}
