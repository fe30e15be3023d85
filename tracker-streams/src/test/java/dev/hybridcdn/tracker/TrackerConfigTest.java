package dev.hybridcdn.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.streamskit.StreamsSettings;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackerConfigTest {
  @Test
  void defaultsFollowTheContract() {
    TrackerConfig c = TrackerConfig.from(new Env(Map.of()));
    assertThat(c.httpPort()).isEqualTo(7070);
    assertThat(c.applicationId()).isEqualTo("cdn-tracker");
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofMillis(2000));
    assertThat(c.peerTtl()).isEqualTo(Duration.ofMillis(6000));
    assertThat(c.punctuateInterval()).isEqualTo(Duration.ofMillis(1000));
    assertThat(c.standbyReplicas()).isEqualTo(1);
    assertThat(c.topics().prefix()).isEqualTo("cdn.");
    assertThat(c.common().kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(c.common().replicationFactor()).isEqualTo(TopicAdmin.AUTO_REPLICATION);
    assertThat(c.streams()).isEqualTo(StreamsSettings.defaults());
    assertThat(c.httpInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void sharedKafkaAndStreamsKeysAreRead() {
    TrackerConfig c = TrackerConfig.from(new Env(Map.of("KAFKA_REPLICATION_FACTOR", "3",
        "STREAMS_BAD_RECORD_POLICY", "fail", "TRACKER_HTTP_INSTANCES", "2")));
    assertThat(c.common().replicationFactor()).isEqualTo(3);
    assertThat(c.streams().badRecordPolicy()).isEqualTo(BadRecordPolicy.FAIL);
    assertThat(c.httpInstances()).isEqualTo(2);
  }

  @Test
  void ttlDefaultsToThreeHeartbeats() {
    assertThat(TrackerConfig.from(new Env(Map.of("TRACKER_HEARTBEAT_INTERVAL_MS", "500"))).peerTtl())
        .isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void reapPauseDefaultsFollowHeartbeatAndTtl() {
    TrackerConfig c = TrackerConfig.from(new Env(Map.of()));
    assertThat(c.inputStall()).isEqualTo(Duration.ofMillis(3000)); // 1.5 x H
    assertThat(c.reapGrace()).isEqualTo(Duration.ofMillis(6000)); // TTL
    assertThat(c.reapMaxPause()).isEqualTo(Duration.ofMillis(60000)); // max(10 x TTL, 60 s)
    assertThat(TrackerConfig.from(new Env(Map.of("TRACKER_PEER_TTL_MS", "30000"))).reapMaxPause())
        .isEqualTo(Duration.ofMinutes(5));
    TrackerConfig tight = TrackerConfig.from(new Env(Map.of("TRACKER_HEARTBEAT_INTERVAL_MS", "1000",
        "TRACKER_PEER_TTL_MS", "1000")));
    assertThat(tight.inputStall()).isEqualTo(Duration.ofMillis(1000)); // never above the TTL
    assertThat(TrackerConfig.from(new Env(Map.of("TRACKER_REAP_MAX_PAUSE_MS", "0"))).reapMaxPause()).isZero();
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("TRACKER_INPUT_STALL_MS", "7000"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_INPUT_STALL_MS");
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("TRACKER_REAP_MAX_PAUSE_MS", "100"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_REAP_MAX_PAUSE_MS");
  }

  @Test
  void invalidValuesNameTheVariable() {
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("HTTP_PORT", "70000"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP_PORT");
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("TRACKER_PEER_TTL_MS", "soon"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_PEER_TTL_MS");
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("TRACKER_HEARTBEAT_INTERVAL_MS", "4000",
        "TRACKER_PEER_TTL_MS", "1000")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("TRACKER_PEER_TTL_MS");
    assertThatThrownBy(() -> TrackerConfig.from(new Env(Map.of("TRACKER_APPLICATION_ID", "a b"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TRACKER_APPLICATION_ID");
  }
}
