package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.topology.TopologyNames;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
import dev.hybridcdn.topology.graph.PeerGraph;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global processor: decodes each graph-changes record ({@link GraphChangeRecord#of}), writes it
 * into {@value TopologyNames#GRAPH_STORE} (the bytes as received) and applies it to this instance's
 * in-memory {@link PeerGraph}. On init it rebuilds the graph from the (restored) store, nodes first,
 * so the graph always equals the store.
 *
 * <p>The source reads raw bytes, so a malformed record (undecodable, the wrong record for its key,
 * a key not matching its value, values out of range) is never stored nor applied and gets the
 * bad-record policy here, as records of the partitioned tasks get it from the streams-kit
 * handlers: {@code dead-letter} hands it to {@code deadLetters} with the {@link DeadLetters}
 * headers, {@code continue} logs it, {@code fail} throws (the global thread stops the instance).
 * Every instance reads the whole topic, so each instance dead-letters such a record once.
 */
public final class GraphStoreUpdater implements Processor<String, byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(GraphStoreUpdater.class);

  private final PeerGraph graph;
  private final BadRecordPolicy policy;
  private final String deadLetterTopic;
  private final String applicationId;
  private final Consumer<ProducerRecord<byte[], byte[]>> deadLetters;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, byte[]> store;

  /**
   * @param deadLetters sends a dead-letter record (to {@code deadLetterTopic}); called on the global
   *     stream thread, must not block for long
   */
  public GraphStoreUpdater(PeerGraph graph, BadRecordPolicy policy, String deadLetterTopic, String applicationId,
      Consumer<ProducerRecord<byte[], byte[]>> deadLetters) {
    this.graph = graph;
    this.policy = policy;
    this.deadLetterTopic = deadLetterTopic;
    this.applicationId = applicationId;
    this.deadLetters = deadLetters;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(TopologyNames.GRAPH_STORE);
    graph.clear();
    List<KeyValue<String, byte[]>> links = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        if (kv.key.startsWith(GraphChangeRecord.NODE_PREFIX)) {
          reload(kv);
        } else {
          links.add(kv);
        }
      }
    }
    links.forEach(this::reload);
    LOG.info("graph loaded from {}: {} nodes, {} links", TopologyNames.GRAPH_STORE, graph.nodeCount(),
        graph.linkCount());
  }

  @Override
  public void process(Record<String, byte[]> record) {
    GraphChangeRecord change;
    try {
      change = decode(record.key(), record.value());
    } catch (RuntimeException e) {
      badRecord(record, e);
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
    change.applyTo(graph);
  }

  private GraphChangeRecord decode(String key, byte[] value) {
    String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(TopologyNames.GRAPH_STORE);
    return GraphChangeRecord.decode(topic, key, value);
  }

  /** Only checked records are stored, so this fails only if a released schema was removed: logged. */
  private void reload(KeyValue<String, byte[]> kv) {
    try {
      decode(kv.key, kv.value).applyTo(graph);
    } catch (RuntimeException e) {
      LOG.error("stored graph change {} no longer decodes: {}", kv.key, e.toString());
    }
  }

  private void badRecord(Record<String, byte[]> record, RuntimeException error) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String topic = meta == null ? "unknown" : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    String where = DeadLetters.where(topic, partition, offset);
    if (policy == BadRecordPolicy.FAIL) {
      LOG.error("malformed graph change at {}; stopping (bad-record policy fail): {}", where, error.toString());
      throw error;
    }
    if (policy == BadRecordPolicy.CONTINUE) {
      LOG.warn("malformed graph change at {} skipped (bad-record policy continue): {}", where, error.toString());
      return;
    }
    LOG.warn("malformed graph change at {} sent to {}: {}", where, deadLetterTopic, error.toString());
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    deadLetters.accept(DeadLetters.record(deadLetterTopic, topic, partition, offset, key, record.value(), error,
        applicationId));
  }
}
