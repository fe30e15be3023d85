package dev.hybridcdn.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardConfigTest {
  @Test
  void defaults() {
    DashboardConfig c = DashboardConfig.from(new Env(Map.of()));
    assertThat(c.httpPort()).isEqualTo(8070);
    assertThat(c.topologyUrl()).isEqualTo("http://127.0.0.1:8090");
    assertThat(c.trackerUrls()).containsExactly("http://127.0.0.1:7070");
    assertThat(c.originUrl()).isEqualTo("http://127.0.0.1:8081");
    assertThat(c.tick()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.common().topicPrefix()).isEqualTo("cdn.");
  }

  @Test
  void everyVariable() {
    DashboardConfig c = DashboardConfig.from(new Env(Map.of("HTTP_PORT", "0", "TOPOLOGY_URL", "http://topo:1/",
        "TRACKER_URLS", "http://t1:7070, http://t2:7071", "TRACKER_URL", "http://ignored:1", "ORIGIN_URL",
        "http://o:8081", "DASHBOARD_TICK_MS", "500", "DASHBOARD_WINDOW_MS", "5000", "TOPIC_PREFIX", "x.")));
    assertThat(c.httpPort()).isZero();
    assertThat(c.topologyUrl()).isEqualTo("http://topo:1");
    assertThat(c.trackerUrls()).isEqualTo(List.of("http://t1:7070", "http://t2:7071"));
    assertThat(c.originUrl()).isEqualTo("http://o:8081");
    assertThat(c.tick()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.window()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.topics().prefix()).isEqualTo("x.");
    assertThat(DashboardConfig.from(new Env(Map.of("TRACKER_URL", "http://one:7070"))).trackerUrls())
        .containsExactly("http://one:7070");
  }

  @Test
  void errorsNameTheVariable() {
    for (var bad : List.of(Map.of("TOPOLOGY_URL", "topo:8090"), Map.of("TRACKER_URLS", "ftp://x"),
        Map.of("DASHBOARD_TICK_MS", "5"), Map.of("HTTP_PORT", "70000"),
        Map.of("DASHBOARD_TICK_MS", "5000", "DASHBOARD_WINDOW_MS", "2000"))) {
      String variable = bad.containsKey("DASHBOARD_WINDOW_MS") ? "DASHBOARD_WINDOW_MS" : bad.keySet().iterator().next();
      assertThatThrownBy(() -> DashboardConfig.from(new Env(bad))).as("%s", bad)
          .isInstanceOf(ConfigException.class).hasMessageStartingWith(variable + "=");
    }
  }
}
