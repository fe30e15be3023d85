package dev.hybridcdn.streamskit.trust;

import dev.hybridcdn.servicekit.identity.AdmissionException;
import dev.hybridcdn.servicekit.identity.EventAuth;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Refuses replayed events in a Streams processor: for each node and topic it keeps the last
 * (session, sequence) seen in a changelogged store (so a restart or a task move keeps it, and an
 * aborted exactly-once transaction rolls it back with the rest), and an event that is not after
 * it throws {@link AdmissionException}, which the processing policy dead-letters. It also refuses a
 * signed event under another key than its node's (a copy re-keyed to reach another task).
 * Unsigned events (allowed by {@code EVENT_AUTH=verify} or {@code off}) pass.
 *
 * <p>One entry per node and topic, ~40 bytes, kept after the node leaves: a replay of its old
 * session's events must still be refused.
 */
public final class SequenceGuard {
  private final KeyValueStore<String, String> store;

  public SequenceGuard(KeyValueStore<String, String> store) {
    this.store = store;
  }

  /**
   * The store this guard needs, in memory and changelogged, named {@code name}, with Streams' record
   * cache: a node's events come in bursts (a joining peer announces every cached segment at once), and
   * without the cache each signed event wrote its own changelog record, one of the four records the
   * tracker produced per SegmentCached (JFR profile of {@code TrackerBench}, tracker-streams README
   * "Benchmark"). The cache keeps the newest sequence per key until the commit, which flushes it in the
   * same exactly-once transaction as the offsets, so a crash still rolls both back together.
   */
  public static StoreBuilder<KeyValueStore<String, String>> storeBuilder(String name) {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.String())
        .withCachingEnabled();
  }

  /**
   * @param topic the record's source topic
   * @throws AdmissionException when the event is a replay or re-keyed
   */
  public void check(String topic, Record<String, SpecificRecord> record) {
    EventAuth.Sequence seq = EventAuth.sequence(record.headers());
    if (seq == null) {
      return;
    }
    String node = EventAuth.nodeOf(record.value());
    if (!Objects.equals(record.key(), EventAuth.keyOf(record.value()))) {
      throw new AdmissionException("signed event of " + node + " under the key " + record.key());
    }
    String id = node + '|' + topic;
    EventAuth.Sequence last = EventAuth.Sequence.parse(store.get(id));
    if (!seq.after(last)) {
      throw new AdmissionException("replayed event of " + node + " on " + topic + ": " + seq.format()
          + " is not after " + last.format());
    }
    store.put(id, seq.format());
  }
}
