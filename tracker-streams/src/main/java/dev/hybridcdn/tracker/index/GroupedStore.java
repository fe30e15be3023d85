package dev.hybridcdn.tracker.index;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.query.Position;

/**
 * An in-memory key-value store for the tracker's composite keys {@code group|member}
 * ({@link TrackerStores#SEGMENT_HOLDERS}: segment -> holders; {@link TrackerStores#PEER_HOLDINGS}:
 * peer -> segments), held as a hash map of groups, each a small sorted array of members. The one
 * query these stores answer, "every member of a group" ({@code prefixScan("group|")}), is then one
 * hash lookup and a walk over ~100 entries, and a get is a hash lookup and a binary search. Streams' own in-memory store is one {@code TreeMap} of all 2,000,000 keys, where the same
 * scan does a tree search per entry (JFR profile of the benchmark: 60% of a lookup) and RocksDB
 * pays JNI and the store layers per entry.
 *
 * <p>Not persistent: Streams restores it from its changelog topic (logging stays on), as any
 * in-memory store. Written by one stream thread; read concurrently by interactive queries (HTTP
 * threads), hence concurrent maps. Keys must contain {@link TrackerStores#SEP}.
 */
final class GroupedStore implements KeyValueStore<Bytes, byte[]> {
  private final String name;
  private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();

  /**
   * One group's members (sorted) and values, never modified once published: the stream thread
   * replaces it on every write (copying ~100-200 references), so readers take the members array
   * as it is, with no copy and no lock.
   */
  private record Group(String[] members, byte[][] values) {
    static final Group EMPTY = new Group(new String[0], new byte[0][]);

    int find(String member) {
      return java.util.Arrays.binarySearch(members, member);
    }

    Group with(int at, String member, byte[] value) {
      if (at >= 0) {
        byte[][] v = values.clone();
        v[at] = value;
        return new Group(members, v);
      }
      int ins = -at - 1;
      String[] m = new String[members.length + 1];
      byte[][] v = new byte[values.length + 1][];
      System.arraycopy(members, 0, m, 0, ins);
      System.arraycopy(values, 0, v, 0, ins);
      m[ins] = member;
      v[ins] = value;
      System.arraycopy(members, ins, m, ins + 1, members.length - ins);
      System.arraycopy(values, ins, v, ins + 1, values.length - ins);
      return new Group(m, v);
    }

    Group without(int at) {
      String[] m = new String[members.length - 1];
      byte[][] v = new byte[values.length - 1][];
      System.arraycopy(members, 0, m, 0, at);
      System.arraycopy(values, 0, v, 0, at);
      System.arraycopy(members, at + 1, m, at, members.length - at - 1);
      System.arraycopy(values, at + 1, v, at, values.length - at - 1);
      return new Group(m, v);
    }
  }
  private volatile long size;
  private volatile boolean open;
  /** No IQv2 position tracking (queries here are IQv1 and ask for no consistency bound). */
  private final Position position = Position.emptyPosition();

  private final HolderIndex views;
  private volatile int partition = -1;

  private GroupedStore(String name, HolderIndex views) {
    this.name = name;
    this.views = views;
  }

  /** The supplier of a store named {@code name} (wrap with {@code Stores.keyValueStoreBuilder}). */
  static KeyValueBytesStoreSupplier supplier(String name) {
    return supplier(name, null);
  }

  /**
   * As {@link #supplier(String)}, each store also registering itself by partition in {@code views}
   * (null: none) while open, so lookups read a group's members without the store layers.
   */
  static KeyValueBytesStoreSupplier supplier(String name, HolderIndex views) {
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new GroupedStore(name, views);
      }

      @Override
      public String metricsScope() {
        return "in-memory-grouped";
      }
    };
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    clear();
    context.register(root, (key, value) -> put(Bytes.wrap(key), value));
    partition = context.taskId().partition();
    open = true;
    if (views != null) {
      views.opened(partition, this);
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    open = false; // before clearing: a concurrent reader re-checks isOpen() after reading
    if (views != null) {
      views.closed(partition, this);
    }
    clear();
  }

  /**
   * The members of {@code group} in order (e.g. the holders of a segment), an immutable snapshot; empty when
   * the group is unknown. Callers check {@link #isOpen()} after reading (a closed store is empty).
   */
  List<String> members(String group) {
    Group g = groups.get(group);
    return g == null ? List.of() : Collections.unmodifiableList(java.util.Arrays.asList(g.members));
  }

  private void clear() {
    groups.clear();
    size = 0;
  }

  @Override
  public Position getPosition() {
    return position;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** {group, member} of a composite key. */
  private static String[] split(Bytes key) {
    String s = new String(key.get(), StandardCharsets.UTF_8);
    int sep = s.indexOf(TrackerStores.SEP);
    if (sep < 0) {
      throw new IllegalArgumentException(
          "key without '" + TrackerStores.SEP + "' in a grouped store (group|member expected): " + s);
    }
    // Interned: ids repeat across groups (a peer holds ~200 segments), and ranking looks every
    // member up in the peer directory, whose keys are interned too, so the lookup matches by identity.
    return new String[] {s.substring(0, sep), s.substring(sep + 1).intern()};
  }

  private static Bytes key(String group, String member) {
    return Bytes.wrap(TrackerStores.composite(group, member).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void put(Bytes key, byte[] value) {
    if (value == null) {
      delete(key);
      return;
    }
    String[] gm = split(key);
    Group g = groups.getOrDefault(gm[0], Group.EMPTY);
    int at = g.find(gm[1]);
    groups.put(gm[0], g.with(at, gm[1], value));
    if (at < 0) {
      size++;
    }
  }

  @Override
  public byte[] putIfAbsent(Bytes key, byte[] value) {
    byte[] old = get(key);
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
    String[] gm = split(key);
    Group g = groups.get(gm[0]);
    int at = g == null ? -1 : g.find(gm[1]);
    if (at < 0) {
      return null;
    }
    byte[] old = g.values[at];
    if (g.members.length == 1) {
      groups.remove(gm[0]);
    } else {
      groups.put(gm[0], g.without(at));
    }
    size--;
    return old;
  }

  @Override
  public byte[] get(Bytes key) {
    String[] gm = split(key);
    Group g = groups.get(gm[0]);
    int at = g == null ? -1 : g.find(gm[1]);
    return at < 0 ? null : g.values[at];
  }

  /**
   * {@code prefix} {@code "group|"}: the group's members in key order, from one hash lookup; any
   * other prefix falls back to a filtered {@link #all()}.
   */
  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
    byte[] p = prefixKeySerializer.serialize(null, prefix);
    String s = new String(p, StandardCharsets.UTF_8);
    int sep = s.indexOf(TrackerStores.SEP);
    if (sep == s.length() - 1) {
      String group = s.substring(0, sep);
      Group g = groups.get(group);
      if (g == null) {
        return iterator(Collections.emptyIterator());
      }
      List<KeyValue<Bytes, byte[]>> out = new ArrayList<>(g.members.length);
      for (int i = 0; i < g.members.length; i++) {
        out.add(KeyValue.pair(key(group, g.members[i]), g.values[i]));
      }
      return iterator(out.iterator());
    }
    Bytes from = Bytes.wrap(p);
    List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
    for (KeyValue<Bytes, byte[]> kv : sorted()) {
      if (kv.key.compareTo(from) >= 0 && startsWith(kv.key.get(), p)) {
        out.add(kv);
      }
    }
    return iterator(out.iterator());
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Every entry in key (byte) order; a snapshot, for the rare full scans (tests, tools). */
  private List<KeyValue<Bytes, byte[]>> sorted() {
    List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
    groups.forEach((name, g) -> {
      for (int i = 0; i < g.members.length; i++) {
        out.add(KeyValue.pair(key(name, g.members[i]), g.values[i]));
      }
    });
    out.sort((a, b) -> a.key.compareTo(b.key));
    return out;
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
    if (from != null && to != null && from.compareTo(to) > 0) {
      return iterator(out.iterator());
    }
    for (KeyValue<Bytes, byte[]> kv : sorted()) {
      if ((from == null || kv.key.compareTo(from) >= 0) && (to == null || kv.key.compareTo(to) <= 0)) {
        out.add(kv);
      }
    }
    return iterator(out.iterator());
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
    range(from, to).forEachRemaining(out::add);
    Collections.reverse(out);
    return iterator(out.iterator());
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return iterator(sorted().iterator());
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    List<KeyValue<Bytes, byte[]>> out = sorted();
    Collections.reverse(out);
    return iterator(out.iterator());
  }

  @Override
  public long approximateNumEntries() {
    return size;
  }

  private static KeyValueIterator<Bytes, byte[]> iterator(Iterator<KeyValue<Bytes, byte[]>> it) {
    return new KeyValueIterator<>() {
      private KeyValue<Bytes, byte[]> peeked;

      @Override
      public boolean hasNext() {
        return peeked != null || it.hasNext();
      }

      @Override
      public KeyValue<Bytes, byte[]> next() {
        KeyValue<Bytes, byte[]> e = peeked != null ? peeked : it.next();
        peeked = null;
        return e;
      }

      @Override
      public Bytes peekNextKey() {
        if (peeked == null) {
          peeked = it.next();
        }
        return peeked.key;
      }

      @Override
      public void close() {}
    };
  }
}
