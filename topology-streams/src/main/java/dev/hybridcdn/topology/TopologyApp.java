package dev.hybridcdn.topology;

import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.streamskit.StreamsApp;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.signalling.SignallingHub;
import dev.hybridcdn.topology.stream.GraphTopology;
import io.vertx.core.Vertx;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * A running topology-streams instance: the Streams app feeding this instance's {@link PeerGraph}
 * and the HTTP API over it, started through the streams-kit skeleton ({@link StreamsApp}: topics
 * including the app-owned graph-changes topic, bounded start, HTTP instances, close HTTP then
 * Streams). The in-JVM start API shared by every service (README, "In-JVM start API").
 *
 * <pre>{@code try (TopologyApp app = TopologyApp.start(TopologyConfig.from(Env.system()))) { app.port(); }}</pre>
 */
public final class TopologyApp implements AutoCloseable {
  static final String NAME = "topology-streams";

  private final StreamsApp app;
  private final PeerGraph graph;
  private final TopologyWiring wiring;

  private TopologyApp(StreamsApp app, TopologyWiring wiring) {
    this.app = app;
    this.graph = wiring.graph();
    this.wiring = wiring;
  }

  /** Starts with its own Vert.x instance (closed by {@link #close()}). See {@link #start(Vertx, TopologyConfig)}. */
  public static TopologyApp start(TopologyConfig config) {
    TopologyWiring wiring = new TopologyWiring(config);
    return new TopologyApp(StreamsApp.start(spec(config), wiring), wiring);
  }

  /**
   * Creates the topics (idempotent), binds the HTTP port, starts Streams and blocks until it is
   * RUNNING (the global graph store restored into the graph). Do not call on a Vert.x event loop.
   *
   * @throws IllegalStateException when Kafka does not answer, the port cannot be bound or Streams
   *     is not RUNNING within {@code config.startTimeout()}; everything started is closed again
   */
  public static TopologyApp start(Vertx vertx, TopologyConfig config) {
    TopologyWiring wiring = new TopologyWiring(config);
    return new TopologyApp(StreamsApp.start(vertx, spec(config), wiring), wiring);
  }

  private static StreamsApp.Spec spec(TopologyConfig c) {
    // Every instance holds the whole graph and answers every query, so none advertises itself to the others.
    return new StreamsApp.Spec(NAME, c.applicationId(), c.common(), c.streams(),
        List.of(AppTopic.TOPOLOGY_GRAPH_CHANGES), c.httpPort(), c.httpInstances(), "127.0.0.1", c.startTimeout());
  }

  /** The production Streams topology with a fresh graph (for TopologyTestDriver); see {@link GraphTopology}. */
  public static Topology buildTopology(TopologyConfig config) {
    return GraphTopology.buildTopology(config);
  }

  /** The HTTP port actually bound. */
  public int port() {
    return app.port();
  }

  /** This instance's graph (read it; it is updated by the Streams global thread). */
  public PeerGraph graph() {
    return graph;
  }

  /** The signalling hub ({@code WS /ws/signalling}), or null when {@code SIGNALLING_ENABLED=false}. */
  public SignallingHub signalling() {
    return wiring.signalling();
  }

  /** True once this instance follows the catalog (and delivery events) from their end; always true with signalling off. */
  public boolean signallingFollowing() {
    return wiring.signallingFeeds() == null || wiring.signallingFeeds().following();
  }

  public KafkaStreams.State streamsState() {
    return app.streams().state();
  }

  /** Closes HTTP first (no new queries), then Streams (leaving the group), then Vert.x when this app created it. */
  @Override
  public void close() {
    app.close();
  }
}
