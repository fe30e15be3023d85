package dev.hybridcdn.streamskit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
import dev.hybridcdn.streamskit.errors.DeserializationPolicy;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {
  @Test
  void defaultsAreExactlyOnceAndDeadLetters() {
    StreamsSettings s = StreamsSettings.from(new Env(Map.of()));
    assertThat(s).isEqualTo(StreamsSettings.defaults());
    assertThat(s.processingGuarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(s.badRecordPolicy()).isEqualTo(BadRecordPolicy.DEAD_LETTER);
  }

  @Test
  void readsBothKeys() {
    StreamsSettings s = StreamsSettings.from(new Env(Map.of("STREAMS_PROCESSING_GUARANTEE", "at_least_once",
        "STREAMS_BAD_RECORD_POLICY", "continue")));
    assertThat(s).isEqualTo(new StreamsSettings(StreamsConfig.AT_LEAST_ONCE, BadRecordPolicy.CONTINUE));
  }

  @Test
  void aBadValueNamesTheVariable() {
    assertThatThrownBy(() -> StreamsSettings.from(new Env(Map.of("STREAMS_BAD_RECORD_POLICY", "ignore"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("STREAMS_BAD_RECORD_POLICY");
    assertThatThrownBy(() -> StreamsSettings.from(new Env(Map.of("STREAMS_PROCESSING_GUARANTEE", "exactly_once"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("STREAMS_PROCESSING_GUARANTEE");
  }

  @Test
  void propertiesCarryTheGuaranteeHandlersPolicyAndReplication() {
    CommonConfig common = CommonConfig.from(new Env(Map.of("TOPIC_PREFIX", "x.", "KAFKA_BOOTSTRAP_SERVERS", "h:1")));
    Properties p = StreamsSettings.defaults().properties("app", common, (short) 3);
    assertThat(p).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "app")
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "h:1")
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            DeserializationPolicy.class.getName())
        .containsEntry(BadRecordPolicy.CONFIG, "dead-letter")
        .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
  }
}
