package dev.hybridcdn.tracker;

import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.tracker.http.TrackerHttp;
import dev.hybridcdn.tracker.index.HolderIndex;
import dev.hybridcdn.tracker.index.PeerDirectory;
import dev.hybridcdn.tracker.index.TrackerStores;
import dev.hybridcdn.tracker.index.TrackerTopology;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tracker instance: the HTTP server on {@link #port()} and the Kafka Streams app. The
 * in-JVM start API every module uses (README, "In-JVM start API of every service").
 *
 * <pre>{@code try (TrackerApp tracker = TrackerApp.start(TrackerConfig.from(Env.system()))) { ... }}</pre>
 */
public final class TrackerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrackerApp.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  /** HTTP servers (event loops) sharing the port: one per core. */
  private static final int HTTP_EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());
  private final HttpServer server;
  private final List<HttpServer> extraServers;
  private final TrackerHttp http;
  private final KafkaStreams streams;
  private final TrackerConfig config;

  private TrackerApp(Vertx vertx, boolean ownsVertx, HttpServer server, List<HttpServer> extraServers,
      TrackerHttp http, KafkaStreams streams, TrackerConfig config) {
    this.extraServers = extraServers;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.server = server;
    this.http = http;
    this.streams = streams;
    this.config = config;
  }

  /** Starts with its own Vert.x instance (closed by {@link #close()}). See {@link #start(Vertx, TrackerConfig)}. */
  public static TrackerApp start(TrackerConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Creates the topics (idempotent), binds the HTTP server, starts Streams and blocks until Streams
   * is RUNNING or {@code config.startTimeout()} passed. Do not call on a Vert.x event loop.
   *
   * @throws IllegalStateException when Kafka does not answer, the port cannot be bound or Streams
   *     does not reach RUNNING in time (everything started is closed again)
   */
  public static TrackerApp start(Vertx vertx, TrackerConfig config) {
    return start(vertx, config, false);
  }

  private static TrackerApp start(Vertx vertx, TrackerConfig config, boolean ownsVertx) {
    Duration timeout = config.startTimeout();
    ensureTopics(config, timeout);
    Metrics metrics = new Metrics();
    PeerDirectory directory = new PeerDirectory();
    HolderIndex holderIndex = new HolderIndex();
    AtomicReference<KafkaStreams> ref = new AtomicReference<>();
    // The port must be known before Streams starts: it is this instance's application.server.
    HttpServer server;
    List<HttpServer> extraServers = new java.util.ArrayList<>();
    TrackerHttp http;
    int port;
    try {
      server = vertx.createHttpServer();
      // Requests before the router exists (a few ms) get 503; the handler is swapped after binding.
      AtomicReference<io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest>> handler =
          new AtomicReference<>(req -> req.response().setStatusCode(503).putHeader("Retry-After", "1").end());
      server.requestHandler(req -> handler.get().handle(req));
      server = server.listen(config.httpPort(), "0.0.0.0").toCompletionStage().toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      port = server.actualPort();
      HostInfo self = new HostInfo(config.advertisedHost(), port);
      http = new TrackerHttp(vertx, config.withHttpPort(port), ref::get, self, metrics, directory, holderIndex);
      handler.set(http.router());
      // More servers on the same fixed port spread requests over event loops (Vert.x shares the
      // socket between servers of one Vert.x instance). With port 0 each would get its own port,
      // so a free-port instance (tests) keeps one event loop.
      for (int i = 1; i < HTTP_EVENT_LOOPS && config.httpPort() != 0; i++) {
        extraServers.add(vertx.createHttpServer().requestHandler(req -> handler.get().handle(req))
            .listen(config.httpPort(), "0.0.0.0").toCompletionStage().toCompletableFuture()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding HTTP port " + config.httpPort(), e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not bind HTTP port " + config.httpPort() + ": " + e.getMessage(), e);
    }
    Counter expirations = Counter.builder("cdn.tracker.expirations").description("peers expired by the reaper")
        .register(metrics.registry());
    Counter skipped = Counter.builder("cdn.tracker.skipped.records")
        .description("decodable records skipped for invalid ids or values").register(metrics.registry());
    TrackerTopology.Listener listener = new TrackerTopology.Listener() {
      @Override
      public void expired(String peerId) {
        expirations.increment();
      }

      @Override
      public void skipped() {
        skipped.increment();
      }
    };
    KafkaStreams streams = new KafkaStreams(TrackerTopology.buildTopology(config, listener, directory, holderIndex),
        TrackerTopology.streamsConfig(config, port));
    ref.set(streams);
    Gauge.builder("cdn.tracker.live.peers", directory::size).description("announced live peers in the peer directory").register(metrics.registry());
    CountDownLatch running = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      LOG.info("streams state {} -> {}", before, now);
      if (now == KafkaStreams.State.RUNNING) {
        running.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread died; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    TrackerApp app = new TrackerApp(vertx, ownsVertx, server, extraServers, http, streams,
        config.withHttpPort(port));
    try {
      streams.start();
      if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("Kafka Streams did not reach RUNNING within " + timeout.toMillis()
            + " ms (state " + streams.state() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      app.closeParts(false);
      throw new IllegalStateException("interrupted while starting Kafka Streams", e);
    } catch (RuntimeException e) {
      app.closeParts(false);
      throw e;
    }
    LOG.info("tracker {} listening on port {} (application.server {}:{})", config.applicationId(), port,
        config.advertisedHost(), port);
    return app;
  }

  /** Creates the registry's topics and this app's compacted peer directory topic (both idempotent). */
  static void ensureTopics(TrackerConfig config, Duration timeout) {
    try (Admin admin = Admin.create(TopicAdmin.adminConfig(config.common().kafkaBootstrapServers(), timeout))) {
      TopicAdmin.ensureTopics(admin, config.topics(), config.replicationFactor(), timeout);
      NewTopic directory = new NewTopic(TrackerStores.peerDirectoryTopic(config.applicationId()), 1,
          config.replicationFactor()).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
          TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(directory)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("could not create " + directory.name(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating topics", e);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("Kafka did not answer within " + timeout, e);
      }
      List<String> names = new java.util.ArrayList<>(config.topics().allNames());
      names.add(directory.name());
      awaitTopics(admin, names, timeout);
    }
  }

  /**
   * Waits until every topic is described with its partitions: a just-created topic is not yet
   * known to every client, and Streams fails a global store whose topic has no partitions yet.
   */
  private static void awaitTopics(Admin admin, List<String> names, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        var described = admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (described.values().stream().allMatch(d -> !d.partitions().isEmpty()
            && d.partitions().stream().allMatch(p -> p.leader() != null))) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        LOG.debug("topics not visible yet: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topics", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " not visible within " + timeout);
      }
      try {
        Thread.sleep(50);
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

  /** The config with the bound port. */
  public TrackerConfig config() {
    return config;
  }

  /** The Streams instance (for tests and ops). */
  public KafkaStreams streams() {
    return streams;
  }

  /** Stops HTTP first, then Streams, then the own Vert.x; logs errors, never throws. */
  @Override
  public void close() {
    closeParts(true);
  }

  private void closeParts(boolean log) {
    for (HttpServer extra : extraServers) {
      try {
        extra.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("HTTP server did not close cleanly: {}", e.toString());
      }
    }
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("HTTP server did not close cleanly: {}", e.toString());
    }
    http.close();
    try {
      // Leaving the group moves this instance's tasks to the others at once, not after the session timeout.
      if (!streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30))
          .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
        LOG.warn("Kafka Streams did not close within 30 s");
      }
    } catch (RuntimeException e) {
      LOG.warn("Kafka Streams did not close cleanly: {}", e.toString());
    }
    if (ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Vert.x did not close cleanly: {}", e.toString());
      }
    }
    if (log) {
      LOG.info("tracker on port {} stopped", server.actualPort());
    }
  }
}
