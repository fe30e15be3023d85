package dev.hybridcdn.streamskit.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.StreamsSettings;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each bad-record policy against a corrupt record (bytes that are no event) and an unprocessable
 * one (a processor throws), in TopologyTestDriver with the handlers the skeleton configures.
 */
class BadRecordPolicyTest {
  private static final String OUT = "policy-test-out";
  private final CommonConfig common = CommonConfig.from(new Env(Map.of("TOPIC_PREFIX", "ptest.")));
  private final TopicRegistry topics = common.topics();
  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> events;
  private TestInputTopic<byte[], byte[]> raw;
  private TestOutputTopic<String, String> out;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  /** Passes each PeerLeft's peer id on; "poison" is a data error, "flaky" a retriable one. */
  private Topology topology() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topics.name(CdnTopic.PEER_EVENTS), Consumed.with(topics.keySerde(), topics.valueSerde()))
        .mapValues(v -> {
          String peer = ((PeerLeft) v).getPeerId();
          if (peer.equals("poison")) {
            throw new IllegalArgumentException("peer poison is not processable");
          }
          if (peer.equals("flaky")) {
            throw new TimeoutException("broker away");
          }
          return peer;
        }, Named.as("policy-test-processor"))
        .to(OUT, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  private void start(BadRecordPolicy policy) {
    Properties props = new StreamsSettings(StreamsConfig.AT_LEAST_ONCE, policy)
        .properties("policy-test", common, (short) 1);
    driver = new TopologyTestDriver(topology(), props);
    String in = topics.name(CdnTopic.PEER_EVENTS);
    events = driver.createInputTopic(in, new StringSerializer(), topics.valueSerde().serializer());
    raw = driver.createInputTopic(in, new ByteArraySerializer(), new ByteArraySerializer());
    out = driver.createOutputTopic(OUT, new StringDeserializer(), new StringDeserializer());
    deadLetters = driver.createOutputTopic(topics.name(CdnTopic.DEAD_LETTERS), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private void left(String peer) {
    events.pipeInput(peer, new PeerLeft(peer, 1L, "test"));
  }

  private static String header(TestRecord<byte[], byte[]> r, String name) {
    return DeadLetters.header(r.headers(), name);
  }

  @Test
  void deadLetterPolicyWritesTheCorruptRecordWithItsSourceAndGoesOn() {
    start(BadRecordPolicy.DEAD_LETTER);
    raw.pipeInput("p1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    left("p2");
    assertThat(out.readValuesToList()).containsExactly("p2");
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(dead.value()).containsExactly(1, 2, 3);
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("p1");
    assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo("ptest.peer-events");
    assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(header(dead, DeadLetters.APPLICATION)).isEqualTo("policy-test");
  }

  @Test
  void deadLetterPolicyWritesTheUnprocessableRecordAsReceived() {
    start(BadRecordPolicy.DEAD_LETTER);
    left("poison");
    left("p2");
    assertThat(out.readValuesToList()).containsExactly("p2");
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(topics.valueSerde().deserializer().deserialize("ptest.peer-events", dead.value()))
        .isEqualTo(new PeerLeft("poison", 1L, "test"));
    assertThat(header(dead, DeadLetters.ERROR)).contains("IllegalArgumentException", "not processable");
  }

  @Test
  void continuePolicySkipsBothKindsOfBadRecordWithoutDeadLetters() {
    start(BadRecordPolicy.CONTINUE);
    raw.pipeInput("p1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    left("poison");
    left("p2");
    assertThat(out.readValuesToList()).containsExactly("p2");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void failPolicyStopsOnTheCorruptRecord() {
    start(BadRecordPolicy.FAIL);
    assertThatThrownBy(() -> raw.pipeInput("p1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}))
        .isInstanceOf(StreamsException.class);
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void failPolicyStopsOnTheUnprocessableRecord() {
    start(BadRecordPolicy.FAIL);
    assertThatThrownBy(() -> left("poison")).isInstanceOf(StreamsException.class);
    assertThat(out.isEmpty()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(BadRecordPolicy.class)
  void aRetriableErrorIsNeverSkippedOrDeadLettered(BadRecordPolicy policy) {
    start(policy);
    assertThatThrownBy(() -> left("flaky")).isInstanceOf(StreamsException.class)
        .satisfies(e -> assertThat(Failures.isRetriable(e)).isTrue());
    assertThat(deadLetters.isEmpty()).isTrue();
  }
}
