package dev.hybridcdn.servicekit.events;

import dev.hybridcdn.schemas.deadletter.EventConsumerLoop;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one shared topic from its end on a daemon thread: every partition assigned (no consumer
 * group: every process needs every record, and a paused JVM must not lose its place in a rebalance),
 * positioned at the end when it starts (what happened before this process is not replayed), committed
 * records only, each decoded event handed to the handler through schemas' {@link EventConsumerLoop},
 * so a record that does not decode or whose handler throws goes to {@code cdn.dead-letters} and the
 * loop goes on. A broker that is away or a topic not created yet only delays the assignment: the
 * thread retries every 500 ms.
 *
 * <p>Used by peers for {@code cdn.peer-expirations} (readmission) and by edges and peers for
 * {@code cdn.catalog} (content versions).
 */
public final class TopicFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration METADATA_RETRY = Duration.ofMillis(500);

  private final KafkaConsumer<String, byte[]> consumer;
  private final Producer<byte[], byte[]> deadLetters;
  private final EventConsumerLoop loop;
  private final String topic;
  private final String clientId;
  private final Thread thread;
  private volatile boolean following;
  private volatile boolean closed;

  /**
   * Starts following; returns at once.
   *
   * @param clientId names the consumer ({@code <clientId>-<suffix>}), the dead-letter producer and
   *     the application in dead-letter headers
   * @param suffix what is followed, e.g. {@code catalog}
   */
  public static TopicFollower start(String bootstrapServers, TopicRegistry topics, CdnTopic topic, String clientId,
      String suffix, EventConsumerLoop.Handler handler) {
    return start(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topics, topic, clientId, suffix,
        handler);
  }

  /** The same from a client's base settings (bootstrap servers and security, {@code CommonConfig.kafkaClient()}). */
  public static TopicFollower start(Map<String, Object> kafkaClient, TopicRegistry topics, CdnTopic topic,
      String clientId, String suffix, EventConsumerLoop.Handler handler) {
    TopicFollower f = new TopicFollower(kafkaClient, topics, topic, clientId + "-" + suffix, handler);
    f.thread.start();
    return f;
  }

  private TopicFollower(Map<String, Object> kafkaClient, TopicRegistry topics, CdnTopic topic, String clientId,
      EventConsumerLoop.Handler handler) {
    this.topic = topics.name(topic);
    this.clientId = clientId;
    Properties cp = new Properties();
    cp.putAll(kafkaClient);
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    this.consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
    this.deadLetters = new KafkaProducer<>(EventPublisher.producerConfig(kafkaClient, clientId + "-dlq"),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.loop = new EventConsumerLoop(consumer, deadLetters, topics.name(CdnTopic.DEAD_LETTERS), clientId,
        topics.codec(), handler);
    this.thread = new Thread(this::run, clientId);
    this.thread.setDaemon(true);
  }

  private void run() {
    try {
      List<TopicPartition> partitions = partitions();
      if (partitions == null) {
        consumer.close(Duration.ofSeconds(1));
        return;
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve "the end" now, not at the first fetch
      following = true;
      LOG.debug("{} follows {} from its end ({} partitions)", clientId, topic, partitions.size());
      loop.run(); // closes the consumer
    } catch (WakeupException e) {
      consumer.close(Duration.ofSeconds(1));
    } catch (RuntimeException e) {
      LOG.error("{} stopped following {}: {}", clientId, topic, e.toString());
    } finally {
      following = false;
    }
  }

  /** The topic's partitions, retried while the broker is away; null once closed. */
  private List<TopicPartition> partitions() {
    while (!closed) {
      try {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos != null && !infos.isEmpty()) {
          List<TopicPartition> out = new ArrayList<>();
          infos.forEach(i -> out.add(new TopicPartition(topic, i.partition())));
          return out;
        }
        LOG.debug("{} has no partitions yet", topic);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        LOG.debug("no metadata for {} yet: {}", topic, e.toString());
        continue; // the metadata call itself waited
      }
      try {
        Thread.sleep(METADATA_RETRY.toMillis()); // a missing topic answers at once: do not spin
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** True once positioned at the end of every partition and polling (records from now on are seen). */
  public boolean following() {
    return following;
  }

  /** Records handled (decoded and given to the handler without an exception). */
  public long handled() {
    return loop.handled();
  }

  /** Records dead-lettered so far. */
  public long deadLettered() {
    return loop.deadLettered();
  }

  /** Stops the thread (waits up to 5 s) and closes the consumer and the dead-letter producer. */
  @Override
  public void close() {
    closed = true;
    loop.stop();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deadLetters.close(Duration.ofSeconds(2));
  }
}
