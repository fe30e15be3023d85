package dev.hybridcdn.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.kafka.registry.ApicurioRegistry;
import dev.hybridcdn.schemas.SampleEvents;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.schemas.serde.EventTypes;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Registry mode end to end: a real Apicurio Registry process (the application from Maven Central,
 * unpacked by this module's pom into {@code target/apicurio-registry}) and a real Kafka broker.
 */
class RegistryCodecIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static ApicurioRegistry registry;

  @BeforeAll
  static void startRegistry() throws Exception {
    String home = System.getProperty("apicurio.home");
    Path installed = home != null ? ApicurioRegistry.home(Path.of(home))
        : ApicurioRegistry.install(Path.of("target/apicurio-cache"));
    registry = ApicurioRegistry.start(installed, 0, Files.createTempDirectory("apicurio").resolve("registry.log"));
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void eventsWrittenInRegistryModeDecodeWithApicuriosConfluentDeserializer() throws Exception {
    RegistryCodec codec = new RegistryCodec(client(), RegistryCodec.Encoding.CONFLUENT);
    TopicRegistry topics = new TopicRegistry(KAFKA.uniquePrefix("confluent"), codec);
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);
    List<SpecificRecord> written = SampleEvents.all();
    produce(topics, written);

    Map<String, Object> config = new HashMap<>();
    config.put(SerdeConfig.REGISTRY_URL, "http://127.0.0.1:" + registry.port() + "/apis/registry/v2");
    config.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true); // magic byte 0 + 4-byte id
    config.put(SerdeConfig.USE_ID, "contentId");                 // ccompat ids are content ids
    config.put(SerdeConfig.ENABLE_HEADERS, false);
    config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
    List<SpecificRecord> decoded = new ArrayList<>();
    try (AvroKafkaDeserializer<SpecificRecord> apicurio = new AvroKafkaDeserializer<>()) {
      apicurio.configure(config, false);
      for (ConsumerRecord<String, byte[]> r : consumeAll(topics, written.size())) {
        assertThat(r.value()[0]).as("magic byte").isEqualTo(RegistryCodec.MAGIC);
        decoded.add(apicurio.deserialize(r.topic(), r.headers(), r.value()));
      }
    }
    assertThat(decoded).containsExactlyInAnyOrderElementsOf(written);
  }

  @Test
  void topicWithBothEncodingsReadsBackWhole() throws Exception {
    RegistryCodec codec = new RegistryCodec(client(), RegistryCodec.Encoding.CONFLUENT);
    TopicRegistry topics = new TopicRegistry(KAFKA.uniquePrefix("mixed"), codec);
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);
    String topic = topics.name(CdnTopic.DELIVERY_EVENTS);
    List<SpecificRecord> written = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = bytesProducer()) {
      for (int i = 0; i < 20; i++) {
        SegmentDelivered d = new SegmentDelivered("req-" + i, "peer-1", "demo/128k/seg0000" + i + ".ts", "demo",
            "128k", i % 3 == 0 ? Tier.EDGE : Tier.LOCAL, i % 3 == 0 ? "edge-eu" : "peer-1", 160_000L, 2_000L + i, 0, 3, 1_790_000_000_000L + i,
            java.util.List.of());
        // Before the migration the producer wrote single-object events, after it the Confluent format.
        byte[] value = i < 10 ? SingleObjectCodec.instance().encode(topic, d) : codec.encode(topic, d);
        producer.send(new ProducerRecord<>(topic, "peer-1", value)).get();
        written.add(d);
      }
    }
    List<SpecificRecord> read = new ArrayList<>();
    RegistryCodec reader = new RegistryCodec(client(), RegistryCodec.Encoding.CONFLUENT); // cold caches
    for (ConsumerRecord<String, byte[]> r : consumeAll(topics, written.size())) {
      read.add(reader.decode(r.topic(), r.value()));
    }
    assertThat(read).containsExactlyElementsOf(written);
  }

  @Test
  void releasedVersionWrittenThroughTheRegistryDecodesIntoTodaysClass() throws Exception {
    Schema v1 = new Schema.Parser().parse(
        RegistryCodecIT.class.getResourceAsStream("/schema-history/PeerHeartbeat/v1.avsc"));
    String topic = KAFKA.uniquePrefix("v1") + "peer-events";
    int id = client().register(RegistryCodec.subject(topic, v1), v1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    out.writeBytes(SampleEvents.heartbeatV1Body(v1));

    SpecificRecord decoded = new RegistryCodec(client(), RegistryCodec.Encoding.CONFLUENT)
        .decode(topic, out.toByteArray());
    assertThat(decoded).isEqualTo(SampleEvents.heartbeatV1AsToday());
  }

  @Test
  void registryRefusesBackwardIncompatibleSchema() {
    RegistryCodec codec = new RegistryCodec(client(), RegistryCodec.Encoding.CONFLUENT);
    String topic = KAFKA.uniquePrefix("compat") + "peer-events";
    codec.encode(topic, SampleEvents.all().get(1)); // registers today's PeerHeartbeat
    Schema current = EventTypes.schemaOf(PeerHeartbeat.class);
    String subject = RegistryCodec.subject(topic, current);

    Schema withoutDefault = withField(current, "{\"name\":\"region\",\"type\":\"string\"}");
    assertThatThrownBy(() -> client().register(subject, withoutDefault))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining(subject);
    Schema withDefault = withField(current, "{\"name\":\"region\",\"type\":\"string\",\"default\":\"\"}");
    assertThat(client().register(subject, withDefault)).isPositive();
  }

  private static Schema withField(Schema schema, String fieldJson) {
    String json = schema.toString();
    return new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']')) + "," + fieldJson + "]}");
  }

  private static SchemaRegistryClient client() {
    return new SchemaRegistryClient(registry.url(), Duration.ofSeconds(5));
  }

  private static void produce(TopicRegistry topics, List<SpecificRecord> events) throws Exception {
    try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), topics.valueSerde().serializer())) {
      for (SpecificRecord e : events) {
        CdnTopic t = java.util.Arrays.stream(CdnTopic.values()).filter(c -> c.carries(e)).findFirst().orElseThrow();
        producer.send(new ProducerRecord<>(topics.name(t), "k", e)).get();
      }
    }
  }

  private static KafkaProducer<String, byte[]> bytesProducer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
  }

  /** Every record of every topic of {@code topics}, read from the beginning. */
  private static List<ConsumerRecord<String, byte[]>> consumeAll(TopicRegistry topics, int expected) {
    List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (CdnTopic t : CdnTopic.values()) {
        consumer.partitionsFor(topics.name(t)).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await("all " + expected + " records").atMost(WAIT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
        return all.size() >= expected;
      });
    }
    assertThat(all).hasSize(expected);
    return all;
  }
}
