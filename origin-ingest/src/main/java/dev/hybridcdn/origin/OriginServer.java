package dev.hybridcdn.origin;

import dev.hybridcdn.origin.http.OriginRoutes;
import dev.hybridcdn.origin.http.SegmentCache;
import dev.hybridcdn.origin.retire.Retirement;
import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The origin HTTP server (port 8081 by default): read API over the songs in PostgreSQL with a
 * hot-segment memory cache. {@link #start} migrates the schema, so a server can start on an empty
 * database. Re-ingests committed by any process invalidate cached segments of that song through
 * PostgreSQL {@code LISTEN/NOTIFY} ({@link OriginStore#CHANGED_CHANNEL}). Segments a re-ingest
 * superseded are served for {@code ORIGIN_RETENTION_MS}, then deleted and announced as SongRetired
 * ({@link Retirement}; the only use of Kafka by the server, which serves without it).
 *
 * <pre>{@code
 * try (OriginServer origin = OriginServer.start(OriginConfig.from(Env.system()))) {
 *   int port = origin.port();
 * }
 * }</pre>
 */
public final class OriginServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OriginServer.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final OriginStore store;
  private final PgSubscriber subscriber;
  private final HttpVerticles.Deployed server;
  private final Metrics metrics;
  private final SegmentCache cache;
  private final Retirement retirement;

  private OriginServer(Vertx vertx, boolean ownsVertx, OriginStore store, PgSubscriber subscriber, HttpVerticles.Deployed server,
      Metrics metrics, SegmentCache cache, Retirement retirement) {
    this.retirement = retirement;
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.store = store;
    this.subscriber = subscriber;
    this.server = server;
    this.metrics = metrics;
    this.cache = cache;
  }

  /** {@link #start(Vertx, OriginConfig)} on a Vert.x instance of its own, closed by {@link #close()}. */
  public static OriginServer start(OriginConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Connects to PostgreSQL, migrates the schema, and listens on {@code config.httpPort()} (0 =
   * a free port) with {@code config.httpInstances()} server verticles. Blocking, bounded by about ten times {@link OriginConfig#dbTimeout()}.
   *
   * @throws IllegalStateException naming PostgreSQL or the port when the server cannot start
   */
  public static OriginServer start(Vertx vertx, OriginConfig config) {
    return start(vertx, config, false);
  }

  private static OriginServer start(Vertx vertx, OriginConfig config, boolean ownsVertx) {
    OriginStore store = new OriginStore(vertx, config);
    PgSubscriber subscriber = null;
    Duration bound = config.dbTimeout().multipliedBy(10);
    try {
      await(store.migrate(), bound, "origin could not start: PostgreSQL at " + store.where());
      Metrics metrics = new Metrics();
      SegmentCache cache = new SegmentCache(store, config.cacheBytes());
      subscriber = PgSubscriber.subscriber(vertx, OriginStore.connectOptions(config))
          .reconnectPolicy(retries -> 1000L);
      subscriber.channel(OriginStore.CHANGED_CHANNEL).handler(songId -> {
        LOG.info("song {} changed; dropping its cached segments", songId);
        cache.invalidateSong(songId);
      });
      await(subscriber.connect(), bound, "origin could not start: LISTEN on PostgreSQL at " + store.where());
      OriginRoutes routes = new OriginRoutes(vertx, store, cache, metrics);
      HttpVerticles.Deployed server = HttpVerticles.deploy(vertx,
          new HttpServerOptions().setHost(config.common().bindHost()).setPort(config.httpPort())
              .setCompressionSupported(false), config.common().tls(), config.httpInstances(),
          routes::router, bound, "origin");
      LOG.info("origin listening on port {} with {} event loops (PostgreSQL {})", server.port(),
          config.httpInstances(), store.where());
      Retirement retirement = Retirement.start(vertx, store, config, metrics.registry());
      return new OriginServer(vertx, ownsVertx, store, subscriber, server, metrics, cache, retirement);
    } catch (RuntimeException e) {
      if (subscriber != null) {
        subscriber.close();
      }
      store.close();
      throw e;
    }
  }

  /** The HTTP port actually bound. */
  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>} ({@code https} when it serves TLS). */
  public String baseUrl() {
    return server.url("127.0.0.1");
  }

  public Metrics metrics() {
    return metrics;
  }

  public SegmentCache cache() {
    return cache;
  }

  /** The sweep retiring superseded segments ({@code ORIGIN_RETENTION_MS}). */
  public Retirement retirement() {
    return retirement;
  }

  private static <T> T await(Future<T> f, Duration timeout, String what) {
    return Blocking.await(f, timeout, what);
  }

  /** Stops listening, closes PostgreSQL connections and (when owned) Vert.x. Idempotent. */
  @Override
  public void close() {
    retirement.close();
    Future<?> f = server.undeploy(vertx).eventually(() -> subscriber.close()).eventually(() -> {
      store.close();
      return Future.succeededFuture();
    });
    awaitQuietly(f);
    if (ownsVertx) {
      // Awaited apart: a continuation chained on a closing Vert.x would never run.
      awaitQuietly(vertx.close());
    }
  }

  private static void awaitQuietly(Future<?> f) {
    Blocking.awaitQuietly(f, Duration.ofSeconds(10), "closing the origin", LOG);
  }
}
