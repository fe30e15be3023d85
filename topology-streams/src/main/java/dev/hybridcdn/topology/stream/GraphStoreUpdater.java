package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.topology.TopologyNames;
import dev.hybridcdn.topology.graph.PeerGraph;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global processor: writes each graph change into {@value TopologyNames#GRAPH_STORE} and
 * applies it to this instance's in-memory {@link PeerGraph}. On init it rebuilds the graph from
 * the (restored) store, nodes first, so the graph always equals the store. A change that cannot
 * be applied is logged with its offset and skipped (the store keeps the raw record).
 */
public final class GraphStoreUpdater implements Processor<String, String, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(GraphStoreUpdater.class);

  private final PeerGraph graph;
  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, String> store;

  public GraphStoreUpdater(PeerGraph graph) {
    this.graph = graph;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.store = context.getStateStore(TopologyNames.GRAPH_STORE);
    graph.clear();
    List<KeyValue<String, String>> links = new ArrayList<>();
    try (KeyValueIterator<String, String> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, String> kv = it.next();
        if (kv.key.startsWith(GraphChangeRecords.NODE_PREFIX)) {
          applySafely(kv.key, kv.value);
        } else {
          links.add(kv);
        }
      }
    }
    links.forEach(kv -> applySafely(kv.key, kv.value));
    LOG.info("graph loaded from {}: {} nodes, {} links", TopologyNames.GRAPH_STORE, graph.nodeCount(),
        graph.linkCount());
  }

  @Override
  public void process(Record<String, String> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
    applySafely(record.key(), record.value());
  }

  private void applySafely(String key, String value) {
    try {
      GraphChangeRecords.apply(graph, key, value);
    } catch (RuntimeException e) {
      String where = context == null ? "?" : context.recordMetadata()
          .map(m -> DeadLetters.where(m.topic(), m.partition(), m.offset())).orElse("?");
      LOG.warn("graph change {} at {} not applied: {}", key, where, e.toString());
    }
  }
}
