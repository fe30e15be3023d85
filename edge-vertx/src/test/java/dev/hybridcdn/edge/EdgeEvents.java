package dev.hybridcdn.edge;

import static org.awaitility.Awaitility.await;

import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** EdgeServed events read back from a test's {@code cdn.edge-events} topic, as any consumer would. */
final class EdgeEvents {
  private EdgeEvents() {}

  /** At least {@code atLeast} events matching {@code wanted}, waiting up to 60 s; all matching ones read by then. */
  static List<EdgeServed> read(String bootstrap, String topicPrefix, Predicate<EdgeServed> wanted, int atLeast) {
    TopicRegistry topics = new TopicRegistry(topicPrefix);
    Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "edge-it-" + System.nanoTime(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<EdgeServed> out = new ArrayList<>();
    try (KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(cfg, new StringDeserializer(),
        topics.valueSerde().deserializer())) {
      consumer.subscribe(List.of(topics.name(CdnTopic.EDGE_EVENTS)));
      await(atLeast + " EdgeServed events").atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.value() instanceof EdgeServed es && wanted.test(es)) {
            out.add(es);
          }
        });
        return out.size() >= atLeast;
      });
    }
    return out;
  }
}
