package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class GroupedStoreTest {
  private final KeyValueStore<Bytes, byte[]> store = GroupedStore.supplier("t").get();

  private static Bytes key(String s) {
    return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> keys(KeyValueIterator<Bytes, byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(kv -> out.add(new String(kv.key.get(), StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Test
  void putGetDeleteAndGroupScanInKeyOrder() {
    store.put(key("s2|p1"), new byte[] {1});
    store.put(key("s1|p3"), new byte[] {3});
    store.put(key("s1|p1"), new byte[] {1});
    store.put(key("s1|p2"), new byte[] {2});
    store.put(key("s1|p2"), new byte[] {4}); // overwrite
    assertThat(store.get(key("s1|p2"))).containsExactly(4);
    assertThat(store.get(key("s1|p9"))).isNull();
    assertThat(store.get(key("s9|p1"))).isNull();
    assertThat(store.approximateNumEntries()).isEqualTo(4);
    assertThat(keys(store.prefixScan("s1|", new StringSerializer()))).containsExactly("s1|p1", "s1|p2", "s1|p3");
    assertThat(keys(store.prefixScan("s", new StringSerializer())))
        .containsExactly("s1|p1", "s1|p2", "s1|p3", "s2|p1");
    assertThat(keys(store.all())).containsExactly("s1|p1", "s1|p2", "s1|p3", "s2|p1");
    assertThat(keys(store.range(key("s1|p2"), key("s2|p1")))).containsExactly("s1|p2", "s1|p3", "s2|p1");

    assertThat(store.delete(key("s1|p2"))).containsExactly(4);
    assertThat(store.delete(key("s1|p2"))).isNull();
    store.put(key("s2|p1"), null); // a null value deletes
    assertThat(keys(store.all())).containsExactly("s1|p1", "s1|p3");
    assertThat(keys(store.prefixScan("s2|", new StringSerializer()))).isEmpty();
    assertThat(store.approximateNumEntries()).isEqualTo(2);
  }

  @Test
  void membersAreAnImmutableSnapshot() {
    GroupedStore g = (GroupedStore) store;
    store.put(key("s1|p2"), new byte[] {2});
    store.put(key("s1|p1"), new byte[] {1});
    List<String> before = g.members("s1");
    store.put(key("s1|p0"), new byte[] {0});
    store.delete(key("s1|p2"));
    assertThat(before).containsExactly("p1", "p2");
    assertThat(g.members("s1")).containsExactly("p0", "p1");
    assertThat(g.members("nope")).isEmpty();
    assertThatThrownBy(() -> before.add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void keysMustBeComposite() {
    assertThatThrownBy(() -> store.put(key("plain"), new byte[] {1})).isInstanceOf(IllegalArgumentException.class);
    store.putAll(List.of(KeyValue.pair(key("a|b"), new byte[] {1})));
    assertThat(store.get(key("a|b"))).containsExactly(1);
  }
}
