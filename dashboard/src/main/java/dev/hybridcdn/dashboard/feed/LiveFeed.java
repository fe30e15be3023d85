package dev.hybridcdn.dashboard.feed;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's read-only view of the event topics: one Kafka consumer on its own thread, without a
 * consumer group (partitions assigned, nothing committed), reading {@link #TOPICS} from their end as
 * of the start (a topic created later is read from its beginning). Each value is decoded through the
 * registry's {@link EventCodec} and folded into {@link LiveStats}; a record that does not decode is
 * counted ({@code feed.undecodable}) and skipped, never dead-lettered: the producers' consumers own
 * that. Dead letters are read as raw records and listed by their headers ({@link DeadLetters}).
 */
public final class LiveFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
  /** What the dashboard charts. Segment and link events are left out: the graph comes from topology-streams. */
  public static final List<CdnTopic> TOPICS = List.of(CdnTopic.PEER_EVENTS, CdnTopic.PEER_EXPIRATIONS,
      CdnTopic.DELIVERY_EVENTS, CdnTopic.EDGE_EVENTS, CdnTopic.DEAD_LETTERS);
  /** How often topics missing at start are looked for again. */
  static final Duration TOPIC_RETRY = Duration.ofSeconds(2);

  private final KafkaConsumer<String, byte[]> consumer;
  private final TopicRegistry topics;
  private final EventCodec codec;
  private final LiveStats stats;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Set<String> assigned = new HashSet<>();
  private volatile long lastPollMs;
  private volatile boolean allAssigned;

  private LiveFeed(Map<String, Object> kafkaClient, TopicRegistry topics, LiveStats stats) {
    Properties p = new Properties();
    p.putAll(kafkaClient);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cdn-dashboard-" + UUID.randomUUID().toString().substring(0, 8));
    // only committed records: the Streams apps write exactly-once (PeerExpired)
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.topics = topics;
    this.codec = topics.codec();
    this.stats = stats;
    this.thread = new Thread(this::run, "dashboard-feed");
    this.thread.setDaemon(true);
  }

  /** Starts reading on its own thread; returns at once (topics are found in the background). */
  public static LiveFeed start(Map<String, Object> kafkaClient, TopicRegistry topics, LiveStats stats) {
    LiveFeed feed = new LiveFeed(kafkaClient, topics, stats);
    feed.thread.start();
    return feed;
  }

  /** True while every topic is assigned and the last poll returned within {@code maxAge}. */
  public boolean healthy(Duration maxAge) {
    return allAssigned && System.currentTimeMillis() - lastPollMs <= maxAge.toMillis();
  }

  /** Topics not found yet, for {@code /health}. */
  public List<String> missingTopics() {
    synchronized (assigned) {
      return TOPICS.stream().map(topics::name).filter(t -> !assigned.contains(t)).toList();
    }
  }

  private void run() {
    long nextLookup = 0;
    boolean first = true;
    try {
      while (running.get()) {
        if (!allAssigned && System.currentTimeMillis() >= nextLookup) {
          nextLookup = System.currentTimeMillis() + TOPIC_RETRY.toMillis();
          try {
            assignNewTopics(first);
            first = false;
          } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // the broker is not there yet (or not any more): look again later, the page shows what it has
            LOG.debug("dashboard feed: topics not listed ({}); trying again", e.toString());
          }
        }
        var records = consumer.poll(Duration.ofMillis(200));
        lastPollMs = System.currentTimeMillis();
        for (ConsumerRecord<String, byte[]> r : records) {
          fold(r);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("the dashboard's live feed stopped", e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** Assigns topics that exist now: from their end at start, from their beginning when created later. */
  private void assignNewTopics(boolean atStart) {
    Map<String, List<PartitionInfo>> existing = consumer.listTopics(Duration.ofSeconds(5));
    List<TopicPartition> fresh = new ArrayList<>();
    synchronized (assigned) {
      for (CdnTopic t : TOPICS) {
        String name = topics.name(t);
        List<PartitionInfo> infos = existing.get(name);
        if (!assigned.contains(name) && infos != null && !infos.isEmpty()) {
          infos.forEach(i -> fresh.add(new TopicPartition(name, i.partition())));
          assigned.add(name);
        }
      }
      if (fresh.isEmpty()) {
        return;
      }
      List<TopicPartition> all = new ArrayList<>(consumer.assignment());
      all.addAll(fresh);
      consumer.assign(all);
      allAssigned = assigned.size() == TOPICS.size();
    }
    if (atStart) {
      consumer.seekToEnd(fresh);
    } else {
      consumer.seekToBeginning(fresh);
    }
    LOG.info("dashboard feed reading {}", fresh.stream().map(TopicPartition::topic).distinct().toList());
  }

  private void fold(ConsumerRecord<String, byte[]> r) {
    if (r.topic().equals(topics.name(CdnTopic.DEAD_LETTERS))) {
      stats.deadLetter(new LiveStats.DeadLetter(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC),
          DeadLetters.header(r.headers(), DeadLetters.APPLICATION), DeadLetters.header(r.headers(), DeadLetters.ERROR),
          r.timestamp()));
      return;
    }
    if (r.value() == null) {
      return;
    }
    try {
      stats.record(codec.decode(r.topic(), r.value()));
    } catch (RuntimeException e) {
      LOG.debug("skipping {}: {}", DeadLetters.where(r.topic(), r.partition(), r.offset()), e.toString());
      stats.undecodable();
    }
  }

  /** Stops the thread and closes the consumer (within a few seconds). */
  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
