package dev.hybridcdn.tracker;

import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.streamskit.StreamsApp;
import io.vertx.core.Vertx;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A running tracker instance: the Kafka Streams app and its HTTP API, started through the
 * streams-kit skeleton ({@link StreamsApp}: topics, bounded start, HTTP instances, close HTTP then
 * Streams). The in-JVM start API every module uses (README, "In-JVM start API of every service").
 *
 * <pre>{@code try (TrackerApp tracker = TrackerApp.start(TrackerConfig.from(Env.system()))) { ... }}</pre>
 */
public final class TrackerApp implements AutoCloseable {
  static final String NAME = "tracker-streams";

  private final StreamsApp app;
  private final TrackerConfig config;

  private TrackerApp(StreamsApp app, TrackerConfig config) {
    this.app = app;
    this.config = config;
  }

  /** Starts with its own Vert.x instance (closed by {@link #close()}). See {@link #start(Vertx, TrackerConfig)}. */
  public static TrackerApp start(TrackerConfig config) {
    return new TrackerApp(StreamsApp.start(spec(config), new TrackerWiring(config)), config);
  }

  /**
   * Creates the topics (idempotent), binds the HTTP port, starts Streams and blocks until Streams
   * is RUNNING or {@code config.startTimeout()} passed. Do not call on a Vert.x event loop.
   *
   * @throws IllegalStateException when Kafka does not answer, the port cannot be bound or Streams
   *     does not reach RUNNING in time (everything started is closed again)
   */
  public static TrackerApp start(Vertx vertx, TrackerConfig config) {
    return new TrackerApp(StreamsApp.start(vertx, spec(config), new TrackerWiring(config)), config);
  }

  private static StreamsApp.Spec spec(TrackerConfig c) {
    return new StreamsApp.Spec(NAME, c.applicationId(), c.common(), c.streams(),
        List.of(AppTopic.TRACKER_PEER_DIRECTORY), c.httpPort(), c.httpInstances(), c.advertisedHost(),
        c.startTimeout());
  }

  /** The HTTP port actually bound. */
  public int port() {
    return app.port();
  }

  /** The config this instance was started with ({@code httpPort} 0 stays 0: see {@link #port()}). */
  public TrackerConfig config() {
    return config;
  }

  /** The Streams instance (for tests and ops). */
  public KafkaStreams streams() {
    return app.streams();
  }

  /** Stops HTTP first, then Streams (leaving the group), then the own Vert.x; logs errors, never throws. */
  @Override
  public void close() {
    app.close();
  }
}
