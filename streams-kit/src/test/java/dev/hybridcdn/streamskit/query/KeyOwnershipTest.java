package dev.hybridcdn.streamskit.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.processor.internals.DefaultStreamPartitioner;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

class KeyOwnershipTest {
  private static final int PARTITIONS = 6;
  private static final HostInfo A = new HostInfo("10.0.0.1", 7070);
  private static final HostInfo B = new HostInfo("10.0.0.2", 7070);

  /** Streams' own partitioner for String keys, the one queryMetadataForKey uses. */
  private static int streamsPartition(String key, int partitions) {
    Optional<Set<Integer>> p = new DefaultStreamPartitioner<String, Object>(new StringSerializer())
        .partitions("topic", key, null, partitions);
    return p.orElseThrow().iterator().next();
  }

  /** Metadata as Streams would give it: partitions even owned by A, odd by B; counts the calls. */
  private static Function<String, KeyQueryMetadata> streams(int partitions, AtomicInteger calls,
      AtomicReference<HostInfo> evenOwner) {
    return key -> {
      calls.incrementAndGet();
      int p = streamsPartition(key, partitions);
      return new KeyQueryMetadata(p % 2 == 0 ? evenOwner.get() : B, Set.of(), p);
    };
  }

  @Test
  void partitionIsStreamsDefaultPartitionerForStringKeys() {
    for (int i = 0; i < 10_000; i++) {
      String key = "song-" + (i / 100) + "/128k/seg" + i + ".ts";
      for (int n : new int[] {1, 6, 7, 192}) {
        assertEquals(streamsPartition(key, n), KeyOwnership.partition(key, n), key + " of " + n);
      }
    }
  }

  @Test
  void whileRunningOwnersComeFromOneSnapshotPerStatePeriod() {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<HostInfo> even = new AtomicReference<>(A);
    AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.RUNNING);
    KeyOwnership ownership = new KeyOwnership("store", PARTITIONS, state::get, streams(PARTITIONS, calls, even));

    for (int i = 0; i < 1000; i++) {
      String key = "key-" + i;
      KeyOwnership.Owner o = ownership.of(key);
      assertTrue(o.fromSnapshot());
      assertEquals(streamsPartition(key, PARTITIONS), o.metadata().partition());
      assertEquals(o.metadata().partition() % 2 == 0 ? A : B, o.metadata().activeHost());
    }
    int probes = calls.get();
    assertEquals(PARTITIONS * KeyOwnership.PROBES_PER_PARTITION, probes, "Streams asked once per probe, then never");

    // A rebalance: even partitions move to B. While not RUNNING every query asks Streams.
    state.set(KafkaStreams.State.REBALANCING);
    ownership.stateChanged();
    even.set(B);
    KeyOwnership.Owner during = ownership.of("key-0");
    assertFalse(during.fromSnapshot());
    assertEquals(probes + 1, calls.get());

    state.set(KafkaStreams.State.RUNNING);
    ownership.stateChanged();
    for (int i = 0; i < 100; i++) {
      KeyOwnership.Owner o = ownership.of("key-" + i);
      assertTrue(o.fromSnapshot());
      assertEquals(B, o.metadata().activeHost(), "the new snapshot has the new owners");
    }
  }

  @Test
  void aSnapshotIsNotUsedOnceStreamsLeftRunningEvenBeforeTheListenerFired() {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.RUNNING);
    KeyOwnership ownership = new KeyOwnership("store", PARTITIONS, state::get,
        streams(PARTITIONS, calls, new AtomicReference<>(A)));
    assertTrue(ownership.of("k").fromSnapshot());
    state.set(KafkaStreams.State.REBALANCING);
    assertFalse(ownership.of("k").fromSnapshot());
  }

  @Test
  void aPartitionCountOtherThanStreamsDisablesTheSnapshot() {
    AtomicInteger calls = new AtomicInteger();
    // Streams partitions the store's topic into 12, the app believes 6.
    KeyOwnership ownership = new KeyOwnership("store", PARTITIONS, () -> KafkaStreams.State.RUNNING,
        streams(12, calls, new AtomicReference<>(A)));
    for (int i = 0; i < 100; i++) {
      String key = "key-" + i;
      KeyOwnership.Owner o = ownership.of(key);
      assertFalse(o.fromSnapshot());
      assertEquals(streamsPartition(key, 12), o.metadata().partition(), "Streams' answer, not a computed one");
    }
  }

  @Test
  void unavailableMetadataIsPassedOnAndNotCached() {
    AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.RUNNING);
    KeyOwnership ownership = new KeyOwnership("store", PARTITIONS, state::get, key -> {
      throw new IllegalStateException("not yet");
    });
    KeyOwnership.Owner o = ownership.of("k");
    assertFalse(o.fromSnapshot());
    assertSame(KeyQueryMetadata.NOT_AVAILABLE, o.metadata());
  }
}
