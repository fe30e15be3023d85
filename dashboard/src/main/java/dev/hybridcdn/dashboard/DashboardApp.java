package dev.hybridcdn.dashboard;

import dev.hybridcdn.dashboard.feed.LiveFeed;
import dev.hybridcdn.dashboard.feed.LiveStats;
import dev.hybridcdn.dashboard.http.DashboardHttp;
import dev.hybridcdn.dashboard.http.FeedBroadcast;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard service: the live feed of the event topics ({@link LiveFeed} into {@link LiveStats}),
 * a tick every {@code DASHBOARD_TICK_MS} to the pages ({@link FeedBroadcast}), and the HTTP routes
 * ({@link DashboardHttp}). Start with {@link #start(DashboardConfig)} (own Vert.x) or
 * {@link #start(Vertx, DashboardConfig)}; {@link #close()} stops HTTP first, then the feed.
 */
public final class DashboardApp implements AutoCloseable {
  public static final String NAME = "dashboard";
  private static final Logger LOG = LoggerFactory.getLogger(DashboardApp.class);
  /** The feed counts as down when it has not polled for this long. */
  static final Duration FEED_STALL = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final boolean ownVertx;
  private final LiveFeed feed;
  private final long timerId;
  private final HttpVerticles.Deployed http;

  private DashboardApp(Vertx vertx, boolean ownVertx, LiveFeed feed, long timerId, HttpVerticles.Deployed http) {
    this.vertx = vertx;
    this.ownVertx = ownVertx;
    this.feed = feed;
    this.timerId = timerId;
    this.http = http;
  }

  /** Starts on a Vert.x of its own, closed by {@link #close()}. */
  public static DashboardApp start(DashboardConfig config) {
    return Blocking.onOwnVertx(vertx -> start(vertx, config, true));
  }

  /**
   * Starts the feed (in the background: topics not there yet are picked up when created) and the HTTP
   * server; returns once it listens.
   *
   * @throws IllegalStateException when the port cannot be bound
   */
  public static DashboardApp start(Vertx vertx, DashboardConfig config) {
    return start(vertx, config, false);
  }

  private static DashboardApp start(Vertx vertx, DashboardConfig config, boolean ownVertx) {
    int windowTicks = (int) Math.max(1, config.window().toMillis() / config.tick().toMillis());
    LiveStats stats = new LiveStats(windowTicks, config.tick().toMillis());
    LiveFeed feed = LiveFeed.start(config.common().kafkaClient(), config.topics(), stats);
    FeedBroadcast broadcast = new FeedBroadcast();
    long timer = vertx.setPeriodic(config.tick().toMillis(),
        id -> broadcast.publish(stats.tick(System.currentTimeMillis())));
    Metrics metrics = new Metrics();
    Gauge.builder("cdn.dashboard.feed.subscribers", broadcast, FeedBroadcast::subscribers)
        .description("open /api/feed connections").register(metrics.registry());
    Health health = new Health().required("kafka-feed", () -> Future.succeededFuture(feed.healthy(FEED_STALL)
        ? Health.Check.up("reading " + LiveFeed.TOPICS.size() + " topics")
        : Health.Check.down("not reading; topics missing: " + feed.missingTopics())));
    DashboardHttp routes = new DashboardHttp(vertx, config, broadcast);
    try {
      HttpVerticles.Deployed http = HttpVerticles.deploy(vertx,
          new HttpServerOptions().setHost(config.common().bindHost()).setPort(config.httpPort()), config.common().tls(), 1,
          () -> routes.router(health, metrics), Duration.ofSeconds(30), NAME);
      LOG.info("dashboard on {}/", http.url("127.0.0.1"));
      return new DashboardApp(vertx, ownVertx, feed, timer, http);
    } catch (RuntimeException e) {
      vertx.cancelTimer(timer);
      feed.close();
      throw e;
    }
  }

  public int port() {
    return http.port();
  }

  /** {@code http://127.0.0.1:<port>} ({@code https} with TLS): the dashboard; {@code /player.html} the player. */
  public String url() {
    return http.url("127.0.0.1");
  }

  @Override
  public void close() {
    Blocking.awaitQuietly(http.undeploy(vertx), Duration.ofSeconds(10), "stopping the dashboard's HTTP server", LOG);
    vertx.cancelTimer(timerId);
    feed.close();
    if (ownVertx) {
      Blocking.awaitQuietly(vertx.close(), Duration.ofSeconds(10), "closing the dashboard's Vert.x", LOG);
    }
  }
}
