package dev.hybridcdn.streamskit;

import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import dev.hybridcdn.streamskit.errors.ThreadFailurePolicy;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one skeleton of a Kafka Streams service with an HTTP API (tracker-streams, topology-streams).
 * {@link #start} does, in this order:
 *
 * <ol>
 *   <li>creates the registry's topics and the app's own ({@link StreamsTopics#ensure}) and waits
 *       for their partition leaders; the replication factor chosen there also goes to Streams'
 *       internal topics;
 *   <li>picks the HTTP port (a free one for port 0), so {@code application.server} is known;
 *   <li>builds the topology and the Streams properties ({@link StreamsSettings#properties} plus
 *       the app's own, {@link Wiring#configure});
 *   <li>deploys {@link Spec#httpInstances()} HTTP verticles ({@link HttpVerticles}) answering with
 *       {@link Wiring#http}; until Streams is RUNNING the app's {@code /health} should say DOWN
 *       ({@link #healthCheck});
 *   <li>starts Streams with {@link ThreadFailurePolicy} and waits for RUNNING, at most
 *       {@link Spec#startTimeout()}.
 * </ol>
 *
 * {@link #close()} stops HTTP first (no new queries), then the app's own resources, then Streams
 * (leaving the group, so partitions move now rather than after the session timeout), then the
 * Vert.x instance when the app owns it. Errors on the way down are logged, never thrown.
 */
public final class StreamsApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration HTTP_CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * What the skeleton needs to know of an app, from its typed config.
   *
   * @param name the service's name in log lines and errors, e.g. {@code tracker-streams}
   * @param ownTopics the app-owned topics this app writes or reads (created at start)
   * @param httpPort 0 picks a free port
   * @param httpInstances HTTP verticle instances (event loops) sharing the port, at least 1
   * @param advertisedHost the host other instances reach this one at ({@code application.server})
   * @param startTimeout bound of topic creation, binding and the wait for RUNNING, each
   */
  public record Spec(String name, String applicationId, CommonConfig common, StreamsSettings settings,
      List<AppTopic> ownTopics, int httpPort, int httpInstances, String advertisedHost, Duration startTimeout) {}

  /**
   * What the skeleton hands to the app while it starts.
   *
   * @param vertx the Vert.x instance the HTTP verticles run on (for routers and HTTP clients)
   * @param self this instance's {@code application.server}: advertised host and the HTTP port
   * @param replicationFactor of the topics created at start
   */
  public record Context(Spec spec, Vertx vertx, HostInfo self, short replicationFactor) {
    /** The full name of one of the app's own topics. */
    public String topic(AppTopic topic) {
      return topic.name(spec.applicationId());
    }
  }

  /** The app's parts; each called once at start, {@link #http} once per HTTP instance. */
  public interface Wiring {
    /** The production topology. */
    Topology topology(Context context);

    /** Adds the app's own Streams settings (state dir, standbys, timings) to the common ones. */
    default void configure(Properties streamsConfig, Context context) {}

    /** One request handler (a router) per HTTP verticle instance; {@code streams} is not started yet. */
    Handler<HttpServerRequest> http(Context context, KafkaStreams streams);

    /**
     * Streams changed state (its {@code StateListener}, on a Streams thread): e.g. to drop what the app
     * cached of the partition assignment. Must be fast and must not throw.
     */
    default void stateChanged(KafkaStreams.State now, KafkaStreams.State before) {}

    /** Releases what the app opened (HTTP clients, ...), after HTTP stopped and before Streams closes. */
    default void close() {}
  }

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Context context;
  private final Wiring wiring;
  private final KafkaStreams streams;
  private HttpVerticles.Deployed http;

  private StreamsApp(Vertx vertx, boolean ownsVertx, Context context, Wiring wiring, KafkaStreams streams) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.context = context;
    this.wiring = wiring;
    this.streams = streams;
  }

  /** Starts on a Vert.x instance of its own, closed by {@link #close()}. See {@link #start(Vertx, Spec, Wiring)}. */
  public static StreamsApp start(Spec spec, Wiring wiring) {
    return Blocking.onOwnVertx(vertx -> start(vertx, true, spec, wiring));
  }

  /**
   * Starts the app as the class comment says and returns it RUNNING. Blocks; never call on an event loop.
   *
   * @throws IllegalStateException naming {@code spec.name()} when Kafka does not answer, the port
   *     cannot be bound or Streams is not RUNNING within {@code spec.startTimeout()}; everything
   *     started is closed again
   */
  public static StreamsApp start(Vertx vertx, Spec spec, Wiring wiring) {
    return start(vertx, false, spec, wiring);
  }

  private static StreamsApp start(Vertx vertx, boolean ownsVertx, Spec spec, Wiring wiring) {
    Duration timeout = spec.startTimeout();
    short replication = StreamsTopics.ensure(spec.common(), spec.applicationId(), spec.ownTopics(), timeout);
    String bindHost = spec.common().bindHost();
    int port = spec.httpPort() == 0 ? HttpVerticles.freePort(bindHost) : spec.httpPort();
    Context context = new Context(spec, vertx, new HostInfo(spec.advertisedHost(), port), replication);
    Properties props = spec.settings().properties(spec.applicationId(), spec.common(), replication);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, spec.advertisedHost() + ":" + port);
    Topology topology = wiring.topology(context);
    wiring.configure(props, context);
    KafkaStreams streams = new KafkaStreams(topology, props);
    CompletableFuture<Void> running = new CompletableFuture<>();
    streams.setStateListener((now, before) -> {
      LOG.info("{}: streams {} -> {}", spec.name(), before, now);
      try {
        wiring.stateChanged(now, before);
      } catch (RuntimeException e) {
        LOG.warn("{}: the app's state listener failed: {}", spec.name(), e.toString());
      }
      if (now == KafkaStreams.State.RUNNING) {
        running.complete(null);
      } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) {
        running.completeExceptionally(new IllegalStateException("Kafka Streams went " + now + " while starting"));
      }
    });
    streams.setUncaughtExceptionHandler(new ThreadFailurePolicy(spec.name()));
    StreamsApp app = new StreamsApp(vertx, ownsVertx, context, wiring, streams);
    try {
      app.http = HttpVerticles.deploy(vertx, new HttpServerOptions().setHost(bindHost).setPort(port),
          spec.common().tls(), spec.httpInstances(), () -> wiring.http(context, streams), timeout, spec.name() + " HTTP");
      streams.start();
      running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      app.stop(false);
      throw new IllegalStateException(spec.name() + ": interrupted while starting", e);
    } catch (TimeoutException e) {
      app.stop(false);
      throw new IllegalStateException(spec.name() + ": Kafka Streams was not RUNNING within " + timeout.toMillis()
          + " ms (state " + streams.state() + ")", e);
    } catch (ExecutionException e) {
      app.stop(false);
      throw new IllegalStateException(spec.name() + " did not start: " + e.getCause().getMessage(), e.getCause());
    } catch (RuntimeException e) {
      app.stop(false);
      throw e;
    }
    LOG.info("{} {} up: http port {} ({} instances), replication factor {}", spec.name(), spec.applicationId(), port,
        spec.httpInstances(), replication);
    return app;
  }

  /**
   * The {@code /health} check of a Streams app: UP in one of {@code upStates}, else DOWN with the state.
   * An app that answers from its stores while rebalancing lists REBALANCING too.
   */
  public static Health.Check healthCheck(KafkaStreams streams, java.util.Set<KafkaStreams.State> upStates) {
    KafkaStreams.State state = streams.state();
    return upStates.contains(state) ? Health.Check.up(state.name()) : Health.Check.down(state.name());
  }

  /** {@link #healthCheck(KafkaStreams, java.util.Set)} as a required check of a {@link Health}. */
  public static Health health(KafkaStreams streams, java.util.Set<KafkaStreams.State> upStates) {
    return new Health().required("kafka-streams", () -> Future.succeededFuture(healthCheck(streams, upStates)));
  }

  /** The HTTP port all instances listen on. */
  public int port() {
    return context.self().port();
  }

  /** This instance's {@code application.server}. */
  public HostInfo self() {
    return context.self();
  }

  /** The Streams instance (for tests and ops). */
  public KafkaStreams streams() {
    return streams;
  }

  @Override
  public void close() {
    stop(true);
  }

  private void stop(boolean log) {
    if (http != null) {
      Blocking.awaitQuietly(http.undeploy(vertx), HTTP_CLOSE_TIMEOUT, "stopping HTTP", LOG);
    }
    try {
      wiring.close();
    } catch (RuntimeException e) {
      LOG.warn("{}: closing the app's resources failed: {}", context.spec().name(), e.toString());
    }
    try {
      if (!streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
        LOG.warn("{}: Kafka Streams did not close within {} ms", context.spec().name(), CLOSE_TIMEOUT.toMillis());
      }
    } catch (RuntimeException e) {
      LOG.warn("{}: Kafka Streams did not close cleanly: {}", context.spec().name(), e.toString());
    }
    if (ownsVertx) {
      Blocking.awaitQuietly(vertx.close(), HTTP_CLOSE_TIMEOUT, "closing Vert.x", LOG);
    }
    if (log) {
      LOG.info("{} on port {} stopped", context.spec().name(), port());
    }
  }

}
