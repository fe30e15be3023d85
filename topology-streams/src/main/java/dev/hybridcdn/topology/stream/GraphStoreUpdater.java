package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.topology.TopologyNames;
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
 * <p>The source reads raw bytes, so a malformed record (undecodable, the wrong record type for its
 * key, a key not matching its value, values out of range) never throws on the global thread, which
 * would stop the whole instance: it is handed to {@code deadLetters} with the {@link DeadLetters}
 * headers and neither stored nor applied. Every instance reads the whole topic, so each instance
 * dead-letters such a record once.
 */
public final class GraphStoreUpdater implements Processor<String, byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(GraphStoreUpdater.class);

  private final PeerGraph graph;
  private final EventCodec codec;
  private final String deadLetterTopic;
  private final String applicationId;
  private final Consumer<ProducerRecord<byte[], byte[]>> deadLetters;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, byte[]> store;

  /**
   * @param deadLetters sends a dead-letter record (to {@code deadLetterTopic}); called on the global
   *     stream thread, must not block for long
   */
  public GraphStoreUpdater(PeerGraph graph, EventCodec codec, String deadLetterTopic, String applicationId,
      Consumer<ProducerRecord<byte[], byte[]>> deadLetters) {
    this.graph = graph;
    this.codec = codec;
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
      deadLetter(record, e);
      return;
    }
    if (change.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
    change.applyTo(graph);
  }

  private GraphChangeRecord decode(String key, byte[] value) {
    String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(TopologyNames.GRAPH_STORE);
    return GraphChangeRecord.of(key, value == null ? null : codec.decode(topic, value));
  }

  /** Only checked records are stored, so this fails only if a released schema was removed: logged. */
  private void reload(KeyValue<String, byte[]> kv) {
    try {
      decode(kv.key, kv.value).applyTo(graph);
    } catch (RuntimeException e) {
      LOG.error("stored graph change {} no longer decodes: {}", kv.key, e.toString());
    }
  }

  private void deadLetter(Record<String, byte[]> record, RuntimeException error) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    String topic = meta == null ? "unknown" : meta.topic();
    int partition = meta == null ? -1 : meta.partition();
    long offset = meta == null ? -1 : meta.offset();
    LOG.warn("malformed graph change at {} sent to {}: {}", DeadLetters.where(topic, partition, offset),
        deadLetterTopic, error.getMessage());
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    deadLetters.accept(DeadLetters.record(deadLetterTopic, topic, partition, offset, key, record.value(), error,
        applicationId));
  }
}
