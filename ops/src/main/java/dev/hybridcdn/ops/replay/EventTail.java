package dev.hybridcdn.ops.replay;

import dev.hybridcdn.schemas.deadletter.EventConsumerLoop;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code cdn events tail TOPIC}: prints each event of a topic as one JSON line
 * ({@link EventJson#line}) as it arrives, from the end or from the beginning. Poison records are
 * logged with topic/partition@offset, dead-lettered and skipped. No consumer group is used.
 */
public final class EventTail {
  private final Map<String, Object> kafkaClient;
  private final TopicRegistry topics;
  private final AtomicBoolean running = new AtomicBoolean(true);

  public EventTail(String bootstrapServers, TopicRegistry topics) {
    this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topics);
  }

  /** @param kafkaClient bootstrap servers and security ({@code CommonConfig.kafkaClient()}) */
  public EventTail(Map<String, Object> kafkaClient, TopicRegistry topics) {
    this.kafkaClient = Map.copyOf(kafkaClient);
    this.topics = topics;
  }

  /**
   * Tails until {@link #stop()}, {@code maxEvents} printed, or {@code idle} without a record.
   *
   * @param topicName a topic suffix ({@code peer-events}) or a full name ({@code cdn.peer-events})
   * @param maxEvents stop after this many lines; 0 for no limit
   * @param idle stop after this long without a record; null to wait forever
   * @return events printed
   * @throws IllegalArgumentException when the topic is not one of the registry's
   */
  public long tail(String topicName, boolean fromBeginning, long maxEvents, Duration idle, PrintStream out) {
    String topic = resolve(topicName);
    Properties cp = new Properties();
    cp.putAll(kafkaClient);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "cdn-tail-" + UUID.randomUUID().toString().substring(0, 8));
    Properties pp = new Properties();
    pp.putAll(kafkaClient);
    AtomicLong printed = new AtomicLong();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
            new ByteArrayDeserializer());
        Producer<byte[], byte[]> dlq = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist on " + kafkaClient.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      EventConsumerLoop decoder = new EventConsumerLoop(consumer, dlq, topics.name(CdnTopic.DEAD_LETTERS),
          "cdn-events-tail", topics.codec(), (record, event) -> {
            if (maxEvents == 0 || printed.get() < maxEvents) {
              out.println(EventJson.line(record.topic(), record.partition(), record.offset(), record.key(), event));
              printed.incrementAndGet();
            }
          });
      long lastRecord = System.nanoTime();
      while (running.get() && (maxEvents == 0 || printed.get() < maxEvents)) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          lastRecord = System.nanoTime();
          List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
          records.forEach(batch::add);
          decoder.processAll(batch);
          out.flush();
        } else if (idle != null && System.nanoTime() - lastRecord > idle.toNanos()) {
          break;
        }
      }
      dlq.flush();
    }
    return printed.get();
  }

  /** Ends {@link #tail} after the current poll; safe from any thread (a shutdown hook). */
  public void stop() {
    running.set(false);
  }

  /** A suffix or a full name of a registry topic, as the full name. */
  String resolve(String topicName) {
    for (CdnTopic t : CdnTopic.values()) {
      if (t.suffix().equals(topicName) || topics.name(t).equals(topicName)) {
        return topics.name(t);
      }
    }
    throw new IllegalArgumentException("unknown topic " + topicName + "; expected one of " + topics.allNames());
  }
}
