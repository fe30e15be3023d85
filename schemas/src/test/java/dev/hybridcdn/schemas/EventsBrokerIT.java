package dev.hybridcdn.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.deadletter.EventConsumerLoop;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The event contracts against a real Kafka broker. */
class EventsBrokerIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void topicCreationIsIdempotent() throws Exception {
    TopicRegistry topics = new TopicRegistry(KAFKA.uniquePrefix("topics"));
    Set<String> first = TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);
    Set<String> second = TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);

    assertThat(first).containsExactlyInAnyOrderElementsOf(topics.allNames());
    assertThat(second).isEmpty();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      Map<String, TopicDescription> described = admin.describeTopics(topics.allNames()).allTopicNames().get();
      for (CdnTopic t : CdnTopic.values()) {
        assertThat(described.get(topics.name(t)).partitions()).as(t.name()).hasSize(t.partitions());
      }
      var catalog = new ConfigResource(ConfigResource.Type.TOPIC, topics.name(CdnTopic.CATALOG));
      assertThat(admin.describeConfigs(List.of(catalog)).all().get().get(catalog).get("cleanup.policy").value())
          .isEqualTo("compact");
    }
  }

  @Test
  void everyEventTypeRoundTripsThroughTheBroker() {
    TopicRegistry topics = new TopicRegistry(KAFKA.uniquePrefix("roundtrip"));
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);
    List<SpecificRecord> sent = SampleEvents.all();
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        topics.keySerde().serializer(), topics.valueSerde().serializer())) {
      for (SpecificRecord event : sent) {
        producer.send(new ProducerRecord<>(topics.name(topicOf(event)), "k", event));
      }
      producer.flush();
    }
    List<SpecificRecord> received = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(consumerConfig("roundtrip"), topics.keySerde().deserializer(),
        topics.valueSerde().deserializer())) {
      consumer.subscribe(topics.allNames());
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (received.size() < sent.size() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
      }
    }
    assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void aPoisonRecordIsDeadLetteredAndTheLoopGoesOn() throws Exception {
    TopicRegistry topics = new TopicRegistry(KAFKA.uniquePrefix("poison"));
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), topics, (short) 1, WAIT);
    String peerEvents = topics.name(CdnTopic.PEER_EVENTS);
    PeerLeft before = new PeerLeft("peer-1", 1L, "shutdown");
    PeerLeft after = new PeerLeft("peer-1", 2L, "shutdown");
    try (var producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()), new StringSerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(peerEvents, 0, "peer-1", topics.codec().encode(peerEvents, before)));
      producer.send(new ProducerRecord<>(peerEvents, 0, "peer-1", "not avro at all".getBytes()));
      producer.send(new ProducerRecord<>(peerEvents, 0, "peer-1", topics.codec().encode(peerEvents, after)));
      producer.flush();
    }

    List<SpecificRecord> handled = new CopyOnWriteArrayList<>();
    var consumer = new KafkaConsumer<>(consumerConfig("poison"), new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(peerEvents));
    try (var dlqProducer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()), new ByteArraySerializer(),
        new ByteArraySerializer())) {
      var loop = new EventConsumerLoop(consumer, dlqProducer, topics.name(CdnTopic.DEAD_LETTERS), "poison-test",
          topics.codec(), (record, event) -> handled.add(event));
      Thread thread = new Thread(loop);
      thread.start();
      await("two events handled").atMost(WAIT).until(() -> handled.size() >= 2 || loop.handled() >= 2);
      loop.stop();
      thread.join(WAIT.toMillis());
      assertThat(handled).containsExactly(before, after);
      assertThat(loop.deadLettered()).isEqualTo(1);
    }

    AtomicReference<ConsumerRecord<byte[], byte[]>> deadLetter = new AtomicReference<>();
    try (var dlq = new KafkaConsumer<>(consumerConfig("dlq"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      dlq.subscribe(List.of(topics.name(CdnTopic.DEAD_LETTERS)));
      // The consumer is not thread-safe: poll it on this thread.
      await("the poison record in the dead-letter topic").atMost(WAIT).pollInSameThread().until(() -> {
        dlq.poll(Duration.ofMillis(200)).forEach(deadLetter::set);
        return deadLetter.get() != null;
      });
    }
    ConsumerRecord<byte[], byte[]> dead = deadLetter.get();
    assertThat(new String(dead.value())).isEqualTo("not avro at all");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(peerEvents);
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("1");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.ERROR)).contains("marker");
  }

  private static CdnTopic topicOf(SpecificRecord event) {
    for (CdnTopic t : CdnTopic.values()) {
      if (t.carries(event)) {
        return t;
      }
    }
    throw new IllegalArgumentException(event.getClass().getName());
  }

  private static Map<String, Object> consumerConfig(String group) {
    return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, group + "-" + System.nanoTime(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
  }
}
