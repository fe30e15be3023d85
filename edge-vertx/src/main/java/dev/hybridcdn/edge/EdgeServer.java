package dev.hybridcdn.edge;

import dev.hybridcdn.edge.cache.NearCache;
import dev.hybridcdn.servicekit.files.TmpfsFiles;
import dev.hybridcdn.edge.cache.PgCacheTier;
import dev.hybridcdn.edge.cache.RedisHotTier;
import dev.hybridcdn.edge.cache.SegmentService;
import dev.hybridcdn.edge.catalog.CatalogListener;
import dev.hybridcdn.edge.events.ServedEvents;
import dev.hybridcdn.edge.http.EdgeApi;
import dev.hybridcdn.edge.origin.OriginClient;
import dev.hybridcdn.edge.origin.OriginDocuments;
import dev.hybridcdn.edge.shield.ShieldClient;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running edge: HTTP API on {@link #port()}, Redis hot tier, PostgreSQL cache tier, origin
 * client, EdgeServed events to {@code cdn.edge-events}. The in-JVM start API (README "In-JVM start
 * API of every service"): {@link #start(EdgeConfig)} or {@link #start(Vertx, EdgeConfig)}, both
 * blocking until the HTTP port is bound, then {@link #close()}.
 *
 * <p>Only the HTTP port must be available to start: Redis, PostgreSQL, the origin and Kafka may be
 * down at start and are used when they come up ({@code /health} says which is missing). The
 * topics are created in the background as soon as a broker answers.
 */
public final class EdgeServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final EdgeConfig config;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Metrics metrics = new Metrics();
  private final EventPublisher events;
  private final ServedEvents served;
  private final RedisHotTier hot;
  private final PgCacheTier db;
  private final OriginClient origin;
  private final ShieldClient shields;
  private final NearCache near;
  private final SegmentService segments;
  private final Admin kafkaAdmin;
  private final EdgeApi api;
  private final Thread topicCreator;
  private final OriginDocuments documents;
  private volatile CatalogListener catalog;
  private volatile HttpVerticles.Deployed http;
  private volatile boolean closed;

  private EdgeServer(Vertx vertx, boolean ownsVertx, EdgeConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
    TopicRegistry topics = config.common().topics();
    this.events = new EventPublisher(config.common().kafkaClient(), "edge-" + config.edgeId(), topics,
        config.eventBufferEvents(), metrics.registry());
    this.served = new ServedEvents(config.edgeId(), events, config.eventBufferEvents(), metrics.registry());
    int pool = Math.max(16, config.eventLoops() * 8);
    this.hot = new RedisHotTier(vertx, config.redisUrl(), config.redisKeyPrefix(), config.redisTtl(),
        config.redisBudgetBytes(), config.redisTimeout(), pool);
    this.db = new PgCacheTier(vertx, config.pg(), config.edgeId(), config.pgBudgetBytes(), config.pgTimeout(), pool);
    this.origin = new OriginClient(vertx, config.originUrl(), config.originTimeout(), config.originProbe(),
        config.sourceAddress(), config.common().tls());
    this.documents = new OriginDocuments(origin, config.manifestTtl(), config.staleIfError(),
        config.documentCacheEntries(), config.documentCacheBytes(), metrics.registry());
    this.near = new NearCache(config.nearCacheBytes(), config.nearCacheTtl(),
        config.nearCacheBytes() <= 0 || config.nearCacheDir().equals(EdgeConfig.NEAR_CACHE_IN_MEMORY) ? null
            : TmpfsFiles.open(java.nio.file.Path.of(config.nearCacheDir()), config.edgeId()));
    this.shields = new ShieldClient(vertx, config.edgeId(), config.shields(), config.shieldTimeout(),
        config.originProbe(), config.sourceAddress(), config.common().tls(), UpstreamTokens.of(config.playerTokens()),
        metrics.registry());
    this.segments = new SegmentService(vertx, near, hot, db, origin, documents, shields, config.flightWait(),
        metrics.registry());
    this.kafkaAdmin = Admin.create(TopicAdmin.adminConfig(config.common().kafkaClient(), Duration.ofSeconds(10)));
    Health health = new Health()
        .optional("redis", () -> hot.ping().map(ok -> Health.Check.up(config.redisUrl()))
            .otherwise(e -> Health.Check.down("redis: " + e.getMessage())))
        .optional("postgres", () -> db.ping().map(ok -> Health.Check.up(config.pg().toString()))
            .otherwise(e -> Health.Check.down("postgres: " + e.getMessage())))
        .optional("origin", () -> origin.ping().map(ok -> Health.Check.up(config.originUrl()))
            .otherwise(e -> Health.Check.down("origin: " + e.getMessage())))
        .optional("kafka", this::kafkaCheck);
    this.api = new EdgeApi(config, segments, documents, origin.retryAfterSeconds(), served, metrics, health);
    this.topicCreator = new Thread(() -> createTopics(topics), "edge-topic-creator");
    this.topicCreator.setDaemon(true);
  }

  /** Starts an edge on its own Vert.x instance (closed by {@link #close()}); blocks until bound. */
  public static EdgeServer start(EdgeConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Starts an edge on a shared Vert.x instance (left open by {@link #close()}); blocks until bound.
   * Call from a thread that is not a Vert.x event loop.
   *
   * @throws IllegalStateException when the HTTP port cannot be bound within 30 s
   */
  public static EdgeServer start(Vertx vertx, EdgeConfig config) {
    return start(vertx, config, false);
  }

  private static EdgeServer start(Vertx vertx, EdgeConfig config, boolean ownsVertx) {
    EdgeServer server = new EdgeServer(vertx, ownsVertx, config);
    try {
      server.listen();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void listen() {
    HttpServerOptions options = new HttpServerOptions().setPort(config.httpPort()).setHost(config.common().bindHost())
        .setTcpNoDelay(true).setCompressionSupported(false)
        // No WebSocket route: without these Netty's WebSocket extension handler sits in every
        // connection's pipeline and looks at every request and response.
        .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
        // Idle connections cost a socket and buffers each; a client that went away without a FIN
        // (half-open) is noticed only this way.
        .setIdleTimeout((int) config.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    HttpVerticles.Deployed deployed = HttpVerticles.deploy(vertx, options, config.common().tls(), config.eventLoops(),
        () -> api.handler(vertx), START_TIMEOUT, "edge " + config.edgeId());
    http = deployed;
    if (config.trust().signs()) {
      NodeIdentity identity = NodeIdentity.generate();
      identity.admit(AdmissionAuthority.of(config.trust()), config.edgeId(), AdmissionAuthority.EDGE,
          deployed.url("127.0.0.1"), config.region());
      served.signWith(identity);
    }
    topicCreator.start();
    catalog = CatalogListener.start(config.common().kafkaClient(), config.common().topics(),
        "edge-" + config.edgeId(), documents, segments, metrics.registry());
    LOG.info("edge {} ({}) listening on {} with {} event loops; origin {}, shields {}, redis {}, postgres {}, kafka {}",
        config.edgeId(), config.region(), deployed.port(), config.eventLoops(), config.originUrl(),
        config.shields().isEmpty() ? "none" : config.shields(), config.redisUrl(),
        config.pg(), config.common().kafkaBootstrapServers());
  }

  private Future<Health.Check> kafkaCheck() {
    return vertx.executeBlocking(() -> {
      try {
        int nodes = kafkaAdmin.describeCluster().nodes().get(2, TimeUnit.SECONDS).size();
        String detail = config.common().kafkaBootstrapServers() + ", " + nodes + " broker(s), " + events.buffered()
            + " event(s) buffered";
        return nodes > 0 ? Health.Check.up(detail) : Health.Check.down("kafka: no broker");
      } catch (Exception e) {
        return Health.Check.down("kafka: no broker answered at " + config.common().kafkaBootstrapServers() + "; "
            + events.buffered() + " event(s) buffered");
      }
    }, false);
  }

  private void createTopics(TopicRegistry topics) {
    boolean warned = false;
    while (!closed) {
      try {
        TopicAdmin.ensureTopics(kafkaAdmin, topics, config.common().replicationFactor(), Duration.ofSeconds(10));
        return;
      } catch (Exception e) {
        if (closed || Thread.currentThread().isInterrupted()) {
          return;
        }
        if (!warned) {
          LOG.warn("topics not created yet (Kafka at {}): {}; retrying every 5 s, events are buffered meanwhile",
              config.common().kafkaBootstrapServers(), e.getMessage());
          warned = true;
        }
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The bound HTTP port. */
  public int port() {
    return http == null ? 0 : http.port();
  }

  /** {@code http://127.0.0.1:<port>}, {@code https} when it serves TLS ({@code TLS_CERT_FILE}). */
  public String baseUrl() {
    return http.url("127.0.0.1");
  }

  public EdgeConfig config() {
    return config;
  }

  /** The Micrometer registry behind {@code /metrics}. */
  public io.micrometer.core.instrument.MeterRegistry metrics() {
    return metrics.registry();
  }

  /** Segment fetches from the origin so far (also {@code cdn_edge_origin_fetches_total}). */
  public long originFetches() {
    return segments.originFetches();
  }

  /** The origin shield client: shields configured, segments they answered, fallbacks to the origin. */
  public ShieldClient shields() {
    return shields;
  }

  /** The {@code cdn.catalog} listener (content versions), null before the edge listens. */
  public CatalogListener catalog() {
    return catalog;
  }

  /** The event publisher (sent, buffered, dropped counts). */
  public EventPublisher events() {
    return events;
  }

  /** Stops serving, flushes buffered events (up to 5 s) and closes every client. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (http != null) {
      await(http.undeploy(vertx), "undeploy HTTP");
    }
    topicCreator.interrupt();
    if (catalog != null) {
      catalog.close();
    }
    served.close(Duration.ofSeconds(5));
    events.close(Duration.ofSeconds(5));
    kafkaAdmin.close(Duration.ofSeconds(2));
    await(hot.close(), "close redis");
    await(db.close(), "close postgres");
    await(origin.close(), "close origin client");
    await(shields.close(), "close shield client");
    near.close();
    if (ownsVertx) {
      await(vertx.close(), "close vertx");
    }
    LOG.info("edge {} stopped", config.edgeId());
  }

  private static void await(Future<?> f, String what) {
    Blocking.awaitQuietly(f, Duration.ofSeconds(10), what, LOG);
  }
}
