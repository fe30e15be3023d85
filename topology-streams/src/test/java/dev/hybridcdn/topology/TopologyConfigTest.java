package dev.hybridcdn.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.StreamsSettings;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
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
    assertThat(config.httpInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.streams()).isEqualTo(StreamsSettings.defaults());
    assertThat(config.common().replicationFactor()).as("KAFKA_REPLICATION_FACTOR, auto").isZero();
  }

  @Test
  void readsEveryVariable() {
    TopologyConfig config = TopologyConfig.from(env("HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", "t1",
        "TOPOLOGY_LINK_TTL_MS", "400", "TOPOLOGY_INSTANCE_ID", "i-2", "TOPOLOGY_STATE_DIR", "/tmp/x",
        "TOPIC_PREFIX", "p.", "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092", "TOPOLOGY_HTTP_INSTANCES", "3",
        "KAFKA_REPLICATION_FACTOR", "2", "STREAMS_BAD_RECORD_POLICY", "fail", "TOPOLOGY_START_TIMEOUT_MS", "5000"));
    assertThat(config.httpPort()).isZero();
    assertThat(config.linkTtl()).isEqualTo(Duration.ofMillis(400));
    assertThat(config.linkCheckInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.instanceId()).isEqualTo("i-2");
    assertThat(config.stateDir().toString()).isEqualTo("/tmp/x");
    assertThat(config.topics().prefix()).isEqualTo("p.");
    assertThat(config.graphChangesTopic()).isEqualTo("t1-graph-changes");
    assertThat(config.httpInstances()).isEqualTo(3);
    assertThat(config.common().replicationFactor()).isEqualTo(2);
    assertThat(config.streams().badRecordPolicy()).isEqualTo(BadRecordPolicy.FAIL);
    assertThat(config.startTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void anInvalidValueNamesItsVariable() {
    for (var bad : Map.of("HTTP_PORT", "http", "TOPOLOGY_LINK_TTL_MS", "-5", "TOPOLOGY_APPLICATION_ID", "a b",
        "TOPOLOGY_INSTANCE_ID", "x/y", "KAFKA_REPLICATION_FACTOR", "9", "TOPOLOGY_HTTP_INSTANCES", "0",
        "STREAMS_BAD_RECORD_POLICY", "drop").entrySet()) {
      assertThatThrownBy(() -> TopologyConfig.from(new Env(Map.of(bad.getKey(), bad.getValue()))))
          .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getKey());
    }
  }

  /** An environment of the given variables ({@code name, value, name, value, ...}). */
  private static Env env(String... namesAndValues) {
    Map<String, String> vars = new java.util.HashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      vars.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return new Env(vars);
  }
}
