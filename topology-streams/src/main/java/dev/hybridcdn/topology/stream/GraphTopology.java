package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.identity.EventVerifier;
import dev.hybridcdn.streamskit.trust.SequenceGuard;
import dev.hybridcdn.streamskit.trust.VerifiedEvents;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.topology.TopologyNames;
import dev.hybridcdn.topology.graph.PeerGraph;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The production Streams topology of topology-streams, apart from {@code main} so tests drive it.
 *
 * <pre>
 *  link-events ─┐
 *  peer-events ─┼─ topology-event-source ─ topology-event-processor ─ graph-changes sink ─► &lt;appId&gt;-graph-changes
 *  peer-expirations ┘          [topology-link-ttl-store]   (rejected events: the streams-kit bad-record policy)
 *
 *  &lt;appId&gt;-graph-changes ─ topology-graph-source ─ topology-graph-updater [global topology-graph-store] ─► PeerGraph
 * </pre>
 */
public final class GraphTopology {
  private GraphTopology() {}

  /**
   * The topology with a fresh graph, meters nobody reads and the global thread's dead letters
   * dropped (for tests that only look at stores and topics).
   */
  public static Topology buildTopology(TopologyConfig config) {
    return buildTopology(config, new PeerGraph(), new SimpleMeterRegistry(), letter -> { });
  }

  /**
   * The topology.
   *
   * @param graph this instance's in-memory graph, fed by the global processor
   * @param meters where {@code cdn_topology_events_rejected_total} and {@code cdn_topology_links_expired_total} go
   * @param globalDeadLetters where the global processor sends malformed graph-changes records
   *     ({@link GlobalDeadLetterProducer} in production)
   */
  public static Topology buildTopology(TopologyConfig config, PeerGraph graph, MeterRegistry meters,
      Consumer<ProducerRecord<byte[], byte[]>> globalDeadLetters) {
    TopicRegistry topics = config.topics();
    String deadLetters = topics.name(CdnTopic.DEAD_LETTERS);
    Topology topology = new Topology();
    // Peer events are checked as they are read (issue 16); replays by the processor's SequenceGuard.
    topology.addSource(TopologyNames.EVENT_SOURCE, new StringDeserializer(),
        VerifiedEvents.serde(topics.valueSerde(), EventVerifier.of(config.streams().trust())).deserializer(),
        topics.name(CdnTopic.LINK_EVENTS), topics.name(CdnTopic.PEER_EVENTS), topics.name(CdnTopic.PEER_EXPIRATIONS));
    topology.addProcessor(TopologyNames.EVENT_PROCESSOR,
        () -> new TopologyEventProcessor(config.linkTtl(), config.linkCheckInterval(), meters),
        TopologyNames.EVENT_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TopologyNames.LINK_TTL_STORE),
        Serdes.String(), Serdes.Long()), TopologyNames.EVENT_PROCESSOR);
    topology.addStateStore(SequenceGuard.storeBuilder(TopologyNames.EVENT_SEQUENCES), TopologyNames.EVENT_PROCESSOR);
    topology.addSink(TopologyNames.GRAPH_CHANGES_SINK, config.graphChangesTopic(), new StringSerializer(),
        GraphChangeRecord.SERIALIZER, TopologyNames.EVENT_PROCESSOR);
    // Raw bytes in: the global processor decodes, so a malformed change is dead-lettered, never thrown.
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TopologyNames.GRAPH_STORE), Serdes.String(),
            Serdes.ByteArray()).withLoggingDisabled(),
        TopologyNames.GRAPH_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), config.graphChangesTopic(),
        TopologyNames.GRAPH_UPDATER,
        () -> new GraphStoreUpdater(graph, config.streams().badRecordPolicy(), deadLetters, config.applicationId(),
            globalDeadLetters));
    return topology;
  }

  /**
   * The whole Streams settings, as {@code start} uses them (for TopologyTestDriver): the streams-kit
   * common ones (processing guarantee, bad-record handlers, dead-letter topic) plus
   * {@link #configure}; replication factor 1.
   */
  public static Properties streamsConfig(TopologyConfig config) {
    Properties props = config.streams().properties(config.applicationId(), config.common(), (short) 1);
    configure(props, config);
    return props;
  }

  /**
   * This app's own Streams settings: client id, state dir, a low producer linger (5 ms) and a
   * 100 ms commit interval, so a change reaches every instance's graph quickly (under
   * exactly-once the global consumer reads committed changes only, so the commit interval bounds
   * how soon a change shows).
   */
  public static void configure(Properties props, TopologyConfig config) {
    props.put(StreamsConfig.CLIENT_ID_CONFIG, config.applicationId() + "-" + config.instanceId());
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
  }
}
