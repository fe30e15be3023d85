package dev.hybridcdn.topology;

import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.streamskit.StreamsApp;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.http.TopologyHttp;
import dev.hybridcdn.topology.signalling.SignallingConfig;
import dev.hybridcdn.topology.signalling.SignallingFeeds;
import dev.hybridcdn.topology.signalling.SignallingHub;
import dev.hybridcdn.topology.stream.GlobalDeadLetterProducer;
import dev.hybridcdn.topology.stream.GraphTopology;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.EnumSet;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * The topology app's parts for the streams-kit skeleton: one graph and metrics registry per
 * instance, filled by the Streams global thread and read by every HTTP event loop; one
 * {@link TopologyHttp} whose router is made once per HTTP instance; the global thread's
 * dead-letter producer, closed with the app.
 */
final class TopologyWiring implements StreamsApp.Wiring {
  private final TopologyConfig config;
  private final PeerGraph graph = new PeerGraph();
  private final Metrics metrics = new Metrics();
  private final GlobalDeadLetterProducer globalDeadLetters;
  private final SignallingHub signalling;
  private final SignallingFeeds feeds;
  private TopologyHttp http;

  TopologyWiring(TopologyConfig config) {
    this.config = config;
    this.globalDeadLetters = new GlobalDeadLetterProducer(config.common().kafkaClient(),
        config.applicationId() + "-" + config.instanceId() + "-global-dead-letters");
    SignallingConfig sc = config.signalling();
    this.signalling = sc.enabled() ? new SignallingHub(graph, sc.pushSegments(), sc.pushPeers()) : null;
    if (signalling != null) {
      graph.addListener(signalling::graphChanged); // path changes to the peers that started a song
    }
    // Every instance follows the topics itself: rooms are per instance (SignallingHub).
    this.feeds = sc.enabled() ? new SignallingFeeds(config.common().kafkaClient(), config.topics(),
        config.applicationId() + "-" + config.instanceId(), signalling, sc.hotRequests(), sc.hotWindow().toMillis())
        : null;
  }

  /** The signalling hub, or null when {@code SIGNALLING_ENABLED=false}. */
  SignallingHub signalling() {
    return signalling;
  }

  /** The Kafka followers that make pushes, or null when signalling is off. */
  SignallingFeeds signallingFeeds() {
    return feeds;
  }

  PeerGraph graph() {
    return graph;
  }

  @Override
  public Topology topology(StreamsApp.Context context) {
    return GraphTopology.buildTopology(config, graph, metrics.registry(), globalDeadLetters);
  }

  @Override
  public void configure(Properties streamsConfig, StreamsApp.Context context) {
    GraphTopology.configure(streamsConfig, config);
  }

  /**
   * UP in RUNNING and also in REBALANCING: this app reaches REBALANCING only after its first
   * RUNNING, the global graph is loaded by then and answers path queries, so taking every
   * instance out of service whenever one joins or leaves would help no one.
   */
  @Override
  public synchronized Handler<HttpServerRequest> http(StreamsApp.Context context, KafkaStreams streams) {
    if (http == null) {
      http = new TopologyHttp(context.vertx(), graph, metrics,
          StreamsApp.health(streams, EnumSet.of(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING)),
          signalling, config.signalling().ratePerSecond());
    }
    return http.router();
  }

  @Override
  public synchronized void close() {
    if (http != null) {
      http.close();
    }
    if (feeds != null) {
      feeds.close();
    }
    globalDeadLetters.close();
  }
}
