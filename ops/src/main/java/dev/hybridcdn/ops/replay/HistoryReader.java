package dev.hybridcdn.ops.replay;

import dev.hybridcdn.schemas.deadletter.EventConsumerLoop;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a period of the event history back from Kafka: every partition of the given topics, from
 * the first record at or after {@code from} up to the end offsets as they were when the read
 * started (so a read of a live cluster ends). Events whose own {@code ts} (epoch ms) falls outside
 * [{@code from}, {@code to}] are skipped.
 *
 * <p>No consumer group is used (partitions are assigned), so replays never move anyone's offsets.
 * A record that cannot be decoded is logged with topic/partition@offset, sent to the dead-letter
 * topic unchanged (via {@link EventConsumerLoop}) and skipped.
 */
public final class HistoryReader {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryReader.class);
  /** Record timestamps may precede the event's own ts a little (producer clock vs event clock). */
  private static final Duration SEEK_SLACK = Duration.ofMinutes(1);

  /**
   * What a read found.
   *
   * @param events events handed to the handler (within the period)
   * @param skipped decoded events outside the period
   * @param deadLettered records that could not be decoded
   */
  public record Result(long events, long skipped, long deadLettered) {}

  private final Map<String, Object> kafkaClient;
  private final TopicRegistry topics;
  private final Duration timeout;

  /**
   * @param timeout bound on each Kafka call and on reading up to the end offsets
   */
  public HistoryReader(String bootstrapServers, TopicRegistry topics, Duration timeout) {
    this(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topics, timeout);
  }

  /** @param kafkaClient bootstrap servers and security ({@code CommonConfig.kafkaClient()}) */
  public HistoryReader(Map<String, Object> kafkaClient, TopicRegistry topics, Duration timeout) {
    this.kafkaClient = Map.copyOf(kafkaClient);
    this.topics = topics;
    this.timeout = timeout;
  }

  /**
   * Reads the period and hands each event to {@code handler}, topic by topic in partition and
   * offset order.
   *
   * @param from first instant, inclusive, or null for the beginning
   * @param to last instant, inclusive, or null for now
   * @throws IllegalStateException when the broker does not answer or the end is not reached
   *     within the timeout
   */
  public Result read(List<CdnTopic> which, Instant from, Instant to, Consumer<SpecificRecord> handler) {
    long fromMs = from == null ? Long.MIN_VALUE : from.toEpochMilli();
    long toMs = to == null ? Long.MAX_VALUE : to.toEpochMilli();
    long[] counts = new long[2];
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
            new ByteArrayDeserializer());
        Producer<byte[], byte[]> dlq = new KafkaProducer<>(producerProps(), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      EventConsumerLoop decoder = new EventConsumerLoop(consumer, dlq, topics.name(CdnTopic.DEAD_LETTERS),
          "cdn-replay", topics.codec(), (record, event) -> {
            long ts = eventTs(event, record);
            if (ts >= fromMs && ts <= toMs) {
              counts[0]++;
              handler.accept(event);
            } else {
              counts[1]++;
            }
          });
      for (CdnTopic topic : which) {
        readTopic(consumer, decoder, topics.name(topic), from);
      }
      dlq.flush();
      return new Result(counts[0], counts[1], decoder.deadLettered());
    }
  }

  private void readTopic(KafkaConsumer<String, byte[]> consumer, EventConsumerLoop decoder, String topic,
      Instant from) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      LOG.info("topic {} does not exist: nothing to replay", topic);
      return;
    }
    List<TopicPartition> partitions = new ArrayList<>();
    infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
    consumer.assign(partitions);
    Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
    if (from == null) {
      consumer.seekToBeginning(partitions);
    } else {
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(p -> query.put(p, from.minus(SEEK_SLACK).toEpochMilli()));
      Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(query, timeout);
      for (TopicPartition p : partitions) {
        OffsetAndTimestamp o = at.get(p);
        consumer.seek(p, o == null ? end.get(p) : o.offset());
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done(consumer, end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " up to its end offsets " + end + " within "
            + timeout.toSeconds() + " s");
      }
      ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
      List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> r : records) {
        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
          batch.add(r);
        }
      }
      decoder.processAll(batch);
    }
  }

  private static boolean done(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** The event's own {@code ts} field (epoch ms), or the record timestamp when it has none. */
  static long eventTs(SpecificRecord event, ConsumerRecord<?, ?> record) {
    Schema.Field f = event.getSchema().getField("ts");
    if (f != null && event.get(f.pos()) instanceof Long ts) {
      return ts;
    }
    return record.timestamp();
  }

  private Properties consumerProps() {
    Properties p = new Properties();
    p.putAll(kafkaClient);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cdn-replay-" + UUID.randomUUID().toString().substring(0, 8));
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    return p;
  }

  private Properties producerProps() {
    Properties p = new Properties();
    p.putAll(kafkaClient);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
    return p;
  }
}
