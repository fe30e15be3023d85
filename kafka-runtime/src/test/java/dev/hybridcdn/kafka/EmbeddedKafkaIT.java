package dev.hybridcdn.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {
  @TempDir
  Path dir;

  @Test
  void aBrokerWithADataDirectoryServesProducersAndConsumers() throws Exception {
    Path data = dir.resolve("kafka");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(data)) {
      assertThat(kafka.startTime()).isLessThan(Duration.ofSeconds(60));
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
      }
      try (var producer = new KafkaProducer<>(Map.<String, Object>of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(),
          new StringSerializer())) {
        producer.send(new ProducerRecord<>("t", "k", "v")).get();
      }
      try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
          ConsumerConfig.GROUP_ID_CONFIG, "g", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
          new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("t"));
        AtomicReference<String> value = new AtomicReference<>();
        // The consumer is not thread-safe: poll it on this thread.
        await("the produced record").atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> value.set(r.value()));
          return value.get() != null;
        });
        assertThat(value.get()).isEqualTo("v");
      }
      try (var files = Files.walk(data)) {
        assertThat(files.anyMatch(p -> p.getFileName().toString().startsWith("t-"))).as("topic logs under the data dir").isTrue();
      }
    }
    assertThat(data).as("data directory kept after close").exists();
  }
}
