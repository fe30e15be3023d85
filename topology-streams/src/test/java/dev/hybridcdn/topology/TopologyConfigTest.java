package dev.hybridcdn.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyConfigTest {
  @Test
  void defaults() {
    TopologyConfig config = TopologyConfig.from(new Env(Map.of()));
    assertThat(config.httpPort()).isEqualTo(8090);
    assertThat(config.applicationId()).isEqualTo("cdn-topology");
    assertThat(config.linkTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.common().kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(config.graphChangesTopic()).isEqualTo("cdn-topology-graph-changes");
    assertThat(config.instanceId()).startsWith("topology-");
    assertThat(config.stateDir().toString()).endsWith(config.instanceId());
    assertThat(config.linkCheckInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void readsEveryVariable() {
    TopologyConfig config = TopologyConfig.from(new Env(Map.of("HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", "t1",
        "TOPOLOGY_LINK_TTL_MS", "400", "TOPOLOGY_INSTANCE_ID", "i-2", "TOPOLOGY_STATE_DIR", "/tmp/x",
        "TOPIC_PREFIX", "p.", "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")));
    assertThat(config.httpPort()).isZero();
    assertThat(config.linkTtl()).isEqualTo(Duration.ofMillis(400));
    assertThat(config.linkCheckInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.instanceId()).isEqualTo("i-2");
    assertThat(config.stateDir().toString()).isEqualTo("/tmp/x");
    assertThat(config.topics().prefix()).isEqualTo("p.");
    assertThat(config.graphChangesTopic()).isEqualTo("t1-graph-changes");
  }

  @Test
  void anInvalidValueNamesItsVariable() {
    for (var bad : Map.of("HTTP_PORT", "http", "TOPOLOGY_LINK_TTL_MS", "-5", "TOPOLOGY_APPLICATION_ID", "a b",
        "TOPOLOGY_INSTANCE_ID", "x/y", "TOPOLOGY_REPLICATION_FACTOR", "9").entrySet()) {
      assertThatThrownBy(() -> TopologyConfig.from(new Env(Map.of(bad.getKey(), bad.getValue()))))
          .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getKey());
    }
  }
}
