package dev.hybridcdn.tracker.index;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A plain in-memory key-value bytes store for a global store whose every write (live processing
 * and restoration from its topic alike) is also handed to {@code mirror}, so its owner keeps a
 * decoded view ({@link PeerDirectory}, {@link SegmentCatalog}); values are the bytes as on the topic,
 * so nothing depends on an internal byte layout of Streams.
 */
final class MirroredStore implements KeyValueStore<Bytes, byte[]> {
  private final NavigableMap<Bytes, byte[]> map = new ConcurrentSkipListMap<>();
  private final String name;
  private final Runnable reset;
  private final BiConsumer<Bytes, byte[]> mirror;
  private volatile boolean open;

  /**
   * @param reset empties the decoded view (at init, before restoration)
   * @param mirror called with each written key and value (null: deleted)
   */
  MirroredStore(String name, Runnable reset, BiConsumer<Bytes, byte[]> mirror) {
    this.name = name;
    this.reset = reset;
    this.mirror = mirror;
  }

  /** A supplier of such stores for a store builder ({@code metricsScope} in-memory). */
  static KeyValueBytesStoreSupplier supplier(String name, Runnable reset, BiConsumer<Bytes, byte[]> mirror) {
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new MirroredStore(name, reset, mirror);
      }

      @Override
      public String metricsScope() {
        return "in-memory";
      }
    };
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    reset.run();
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
    mirror.accept(key, value);
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
    mirror.accept(key, null);
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
