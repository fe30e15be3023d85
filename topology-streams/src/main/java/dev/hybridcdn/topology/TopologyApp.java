package dev.hybridcdn.topology;

import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.http.TopologyHttp;
import dev.hybridcdn.topology.stream.GlobalDeadLetterProducer;
import dev.hybridcdn.topology.stream.GraphTopology;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running topology-streams instance: the Streams app feeding this instance's {@link PeerGraph}
 * and the HTTP API over it. The in-JVM start API shared by every service (README, "In-JVM start API").
 *
 * <pre>{@code
 * TopologyApp app = TopologyApp.start(TopologyConfig.from(Env.system()));
 * int port = app.port();
 * app.close();
 * }</pre>
 */
public final class TopologyApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyApp.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final KafkaStreams streams;
  private final PeerGraph graph;
  private final TopologyHttp http;
  private final HttpServer server;
  private final GlobalDeadLetterProducer globalDeadLetters;

  private TopologyApp(Vertx vertx, boolean ownsVertx, KafkaStreams streams, PeerGraph graph, TopologyHttp http,
      HttpServer server, GlobalDeadLetterProducer globalDeadLetters) {
    this.globalDeadLetters = globalDeadLetters;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.streams = streams;
    this.graph = graph;
    this.http = http;
    this.server = server;
  }

  /** Starts with its own Vert.x instance (closed by {@link #close()}). See {@link #start(Vertx, TopologyConfig)}. */
  public static TopologyApp start(TopologyConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Creates the topics (registry topics and the graph-changes topic; idempotent), starts Streams,
   * waits until it is RUNNING (the global graph store restored into the graph), then listens on
   * {@code config.httpPort()} (0: a free port). Blocks the caller; do not call on an event loop.
   *
   * @throws IllegalStateException when Kafka does not answer, Streams is not RUNNING within
   *     {@code config.startTimeout()}, or the port cannot be bound; everything started is closed
   */
  public static TopologyApp start(Vertx vertx, TopologyConfig config) {
    return start(vertx, config, false);
  }

  private static TopologyApp start(Vertx vertx, TopologyConfig config, boolean ownsVertx) {
    ensureTopics(config);
    Metrics metrics = new Metrics();
    PeerGraph graph = new PeerGraph();
    GlobalDeadLetterProducer globalDeadLetters = new GlobalDeadLetterProducer(config.common().kafkaBootstrapServers(),
        config.applicationId() + "-" + config.instanceId() + "-global-dead-letters");
    Topology topology = GraphTopology.buildTopology(config, graph, metrics.registry(), globalDeadLetters);
    KafkaStreams streams = new KafkaStreams(topology, GraphTopology.streamsConfig(config));
    CompletableFuture<Void> running = new CompletableFuture<>();
    streams.setStateListener((now, before) -> {
      LOG.info("streams {} -> {}", before, now);
      if (now == KafkaStreams.State.RUNNING) {
        running.complete(null);
      } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
        running.completeExceptionally(new IllegalStateException("Kafka Streams went " + now + " while starting"));
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    TopologyHttp http = null;
    try {
      streams.start();
      running.get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      Health health = new Health().required("kafka-streams", () -> Future.succeededFuture(streamsCheck(streams, graph)));
      http = new TopologyHttp(vertx, graph, metrics, health);
      HttpServer server = vertx.createHttpServer().requestHandler(http.router());
      server.listen(config.httpPort(), "0.0.0.0").toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      LOG.info("topology {} up: http port {}, graph {} nodes / {} links", config.instanceId(), server.actualPort(),
          graph.nodeCount(), graph.linkCount());
      return new TopologyApp(vertx, ownsVertx, streams, graph, http, server, globalDeadLetters);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort(streams, http, globalDeadLetters);
      throw new IllegalStateException("interrupted while starting topology-streams", e);
    } catch (TimeoutException e) {
      abort(streams, http, globalDeadLetters);
      throw new IllegalStateException("Kafka Streams was not RUNNING within " + config.startTimeout().toMillis()
          + " ms (state " + streams.state() + ")", e);
    } catch (ExecutionException e) {
      abort(streams, http, globalDeadLetters);
      throw new IllegalStateException("topology-streams did not start: " + e.getCause().getMessage(), e.getCause());
    } catch (RuntimeException e) {
      abort(streams, http, globalDeadLetters);
      throw e;
    }
  }

  /**
   * UP when RUNNING, and also when REBALANCING: this app reaches REBALANCING only after its first
   * RUNNING, the global graph store is loaded by then and path queries are answered from it, so
   * taking every instance out of service whenever one joins or leaves would help no one. DOWN
   * before the first RUNNING and in PENDING_SHUTDOWN, NOT_RUNNING, ERROR.
   */
  static Health.Check streamsCheck(KafkaStreams streams, PeerGraph graph) {
    KafkaStreams.State state = streams.state();
    String detail = state + "; graph " + graph.nodeCount() + " nodes, " + graph.linkCount() + " links";
    return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING
        ? Health.Check.up(detail) : Health.Check.down(detail);
  }

  /**
   * The production Streams topology with a fresh graph (for TopologyTestDriver); see
   * {@link GraphTopology#buildTopology(TopologyConfig, PeerGraph, io.micrometer.core.instrument.MeterRegistry)}
   * to pass the graph and meters.
   */
  public static Topology buildTopology(TopologyConfig config) {
    return GraphTopology.buildTopology(config);
  }

  private static void abort(KafkaStreams streams, TopologyHttp http, GlobalDeadLetterProducer globalDeadLetters) {
    if (http != null) {
      http.close();
    }
    streams.close(leaveGroup());
    globalDeadLetters.close();
  }

  /**
   * A closed instance leaves the consumer group at once, so its partitions move to the others
   * now rather than after the session timeout (45 s by default; Streams stays in the group on
   * close unless told otherwise).
   */
  private static CloseOptions leaveGroup() {
    return CloseOptions.timeout(CLOSE_TIMEOUT)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
  }

  /**
   * Registry topics via {@link TopicAdmin#ensureTopics}, plus this app's compacted, single-partition
   * graph-changes topic.
   */
  static void ensureTopics(TopologyConfig config) {
    Duration timeout = Duration.ofSeconds(30);
    try (Admin admin = Admin.create(TopicAdmin.adminConfig(config.common().kafkaBootstrapServers(), timeout))) {
      TopicAdmin.ensureTopics(admin, config.topics(), config.replicationFactor(), timeout);
      NewTopic changes = new NewTopic(config.graphChangesTopic(), 1, config.replicationFactor())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(changes)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("created topic {}", config.graphChangesTopic());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("could not create topic " + config.graphChangesTopic(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("Kafka did not answer within " + timeout + " creating "
            + config.graphChangesTopic(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating topics", e);
      }
      awaitPartitions(admin, config, timeout);
    }
  }

  /**
   * Waits until the broker reports partitions for every topic this app reads or writes: a topic
   * just created may not be in the metadata yet, and the global store fails to initialise on a
   * topic without partitions.
   */
  private static void awaitPartitions(Admin admin, TopologyConfig config, Duration timeout) {
    List<String> names = List.of(config.graphChangesTopic(), config.topics().name(CdnTopic.LINK_EVENTS),
        config.topics().name(CdnTopic.PEER_EVENTS), config.topics().name(CdnTopic.PEER_EXPIRATIONS),
        config.topics().name(CdnTopic.DEAD_LETTERS));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        var described = admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (described.values().stream().allMatch(d -> !d.partitions().isEmpty()
            && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
          return;
        }
      } catch (ExecutionException e) {
        LOG.debug("topics not described yet: {}", e.getCause().toString());
      } catch (TimeoutException e) {
        throw new IllegalStateException("Kafka did not describe " + names + " within " + timeout, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topics", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no partition leaders after " + timeout);
      }
      try {
        Thread.sleep(100); // metadata propagation after creation; bounded by the deadline above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topics", e);
      }
    }
  }

  /** The HTTP port actually bound. */
  public int port() {
    return server.actualPort();
  }

  /** This instance's graph (read it; it is updated by the Streams global thread). */
  public PeerGraph graph() {
    return graph;
  }

  public KafkaStreams.State streamsState() {
    return streams.state();
  }

  /** Closes HTTP first (no new queries), then Streams (leaving the group), then Vert.x when this app created it. */
  @Override
  public void close() {
    http.close();
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("HTTP server did not close cleanly: {}", e.toString());
    }
    if (!streams.close(leaveGroup())) {
      LOG.warn("Kafka Streams did not close within {} ms", CLOSE_TIMEOUT.toMillis());
    }
    globalDeadLetters.close();
    if (ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Vert.x did not close cleanly: {}", e.toString());
      }
    }
  }
}
