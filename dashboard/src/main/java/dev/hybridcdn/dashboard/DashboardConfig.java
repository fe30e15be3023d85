package dev.hybridcdn.dashboard;

import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the dashboard, read once from the environment.
 *
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS} (default {@code 127.0.0.1:9092}), {@code TOPIC_PREFIX}
 *     (default {@code cdn.}): the event topics the live feed reads
 * @param httpPort {@code HTTP_PORT}, default {@value #DEFAULT_HTTP_PORT}; 0 picks a free port
 * @param topologyUrl {@code TOPOLOGY_URL}, default {@code http://127.0.0.1:8090}: {@code WS /ws/topology} is
 *     relayed to the page, {@code /path} answered through it
 * @param trackerUrls {@code TRACKER_URLS} (comma-separated), else {@code TRACKER_URL}, default
 *     {@code http://127.0.0.1:7070}: the player page's peer list ({@code GET /peers}), first that answers
 * @param originUrl {@code ORIGIN_URL}, default {@code http://127.0.0.1:8081}: the player page's song list
 * @param tick {@code DASHBOARD_TICK_MS}, default 1,000 ms (100 ms to 10 s): how often the live feed sends
 *     its figures to the pages
 * @param window {@code DASHBOARD_WINDOW_MS}, default 10,000 ms (1 s to 10 min, at least one tick): the
 *     rolling window of the "now" figures (tier shares, offload, P2P share, hit ratios)
 * @param playerTokens {@code PLAYER_TOKEN_SECRET} (service-kit {@code PlayerTokens}): with it the web player
 *     asks this server for a signed token of the song it plays; null (unset): no token
 */
public record DashboardConfig(CommonConfig common, int httpPort, String topologyUrl, List<String> trackerUrls,
    String originUrl, Duration tick, Duration window, PlayerTokens playerTokens) {
  public static final int DEFAULT_HTTP_PORT = 8070;

  /**
   * Reads the configuration.
   *
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static DashboardConfig from(Env env) {
    CommonConfig common = CommonConfig.from(env);
    int port = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    String topology = env.httpUrl("TOPOLOGY_URL", "http://127.0.0.1:8090");
    List<String> trackers = env.httpUrls("TRACKER_URLS", null);
    if (trackers.isEmpty()) {
      trackers = List.of(env.httpUrl("TRACKER_URL", "http://127.0.0.1:7070"));
    }
    String origin = env.httpUrl("ORIGIN_URL", "http://127.0.0.1:8081");
    Duration tick = env.millis("DASHBOARD_TICK_MS", Duration.ofSeconds(1), Duration.ofMillis(100),
        Duration.ofSeconds(10));
    Duration window = env.millis("DASHBOARD_WINDOW_MS", Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    if (window.compareTo(tick) < 0) {
      throw new ConfigException("DASHBOARD_WINDOW_MS", Long.toString(window.toMillis()),
          "at least DASHBOARD_TICK_MS (" + tick.toMillis() + ")");
    }
    return new DashboardConfig(common, port, topology, List.copyOf(trackers), origin, tick, window,
        PlayerTokens.from(env));
  }

  public TopicRegistry topics() {
    return common.topics();
  }
}
