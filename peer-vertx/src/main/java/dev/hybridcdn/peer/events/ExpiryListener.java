package dev.hybridcdn.peer.events;

import dev.hybridcdn.schemas.deadletter.EventConsumerLoop;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.events.EventPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Readmission (issue 12, item 2): one consumer of {@code cdn.peer-expirations} per peer host. When
 * the tracker expires a peer this host runs (it was paused past the TTL: SIGSTOP, a long GC, a
 * network partition, a Kafka outage), the peer re-announces in full, PeerJoined plus a
 * SegmentCached for every cached segment, as a BitTorrent client re-announces to a tracker that
 * forgot it and sends its bitfield (BEP 3). The tracker ignores heartbeats of peers it does not
 * know, so without this an expired peer stayed out of lookups until it restarted.
 *
 * <p>The consumer is assigned every partition (no group: a paused JVM must not lose its place in a
 * rebalance, and every host needs every expiry) and starts at the end of the topic, so expiries of
 * earlier sessions are not replayed. It reads committed records only (the tracker writes them in
 * exactly-once transactions). A record that does not decode, or whose re-announce throws, goes to
 * {@code cdn.dead-letters} through schemas' {@link EventConsumerLoop} and is counted; the loop never
 * stops on one. Expiries of peers other hosts run are ignored.
 *
 * <p>Latency: the expiry is read within one poll (200 ms) of the peer's JVM running again, so
 * the peer is back in lookups after that, one produce and the tracker's commit interval: well
 * within two heartbeat intervals at the defaults (measured in system-tests {@code ReadmissionIT}).
 */
public final class ExpiryListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExpiryListener.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration METADATA_RETRY = Duration.ofMillis(500);

  /** Re-announces one hosted peer; false when this host does not run {@code peerId}. */
  @FunctionalInterface
  public interface Readmission {
    boolean reannounce(String peerId);
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final Producer<byte[], byte[]> deadLetters;
  private final EventConsumerLoop loop;
  private final String topic;
  private final Thread thread;
  private final Counter readmissions;
  private volatile boolean closed;

  /**
   * Starts the listener on its own daemon thread; returns at once (a broker that is away only delays
   * the assignment: the thread retries).
   *
   * @param clientId names the consumer and producer ({@code peer-host-<first peer id>})
   * @param registry where {@code cdn_peer_readmissions_total} and
   *     {@code cdn_peer_expiry_records_dead_lettered} are registered
   */
  public static ExpiryListener start(String bootstrapServers, TopicRegistry topics, String clientId,
      Readmission readmission, MeterRegistry registry) {
    ExpiryListener l = new ExpiryListener(bootstrapServers, topics, clientId, readmission, registry);
    l.thread.start();
    return l;
  }

  private ExpiryListener(String bootstrapServers, TopicRegistry topics, String clientId, Readmission readmission,
      MeterRegistry registry) {
    this.topic = topics.name(CdnTopic.PEER_EXPIRATIONS);
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    cp.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-expiries");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    this.consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
    this.deadLetters = new KafkaProducer<>(EventPublisher.producerConfig(bootstrapServers, clientId + "-dlq"),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.readmissions = Counter.builder("cdn.peer.readmissions")
        .description("hosted peers that re-announced after reading their own PeerExpired").register(registry);
    this.loop = new EventConsumerLoop(consumer, deadLetters, topics.name(CdnTopic.DEAD_LETTERS), clientId,
        topics.codec(), (record, event) -> {
          if (event instanceof PeerExpired e && readmission.reannounce(e.getPeerId())) {
            readmissions.increment();
            LOG.info("peer {} was expired by the tracker (last seen {}, expired at {}): re-announced in full",
                e.getPeerId(), e.getLastSeen(), e.getTs());
          }
        });
    Gauge.builder("cdn.peer.expiry.records.dead.lettered", loop, EventConsumerLoop::deadLettered)
        .description("records on the expiry topic that could not be decoded or handled").register(registry);
    this.thread = new Thread(this::run, "peer-expiry-listener");
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
      LOG.debug("listening to {} from its end ({} partitions)", topic, partitions.size());
      loop.run(); // closes the consumer
    } catch (WakeupException e) {
      consumer.close(Duration.ofSeconds(1));
    } catch (RuntimeException e) {
      LOG.error("expiry listener stopped: {}; expired peers of this host will not be readmitted", e.toString());
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

  /** Re-announcements made so far. */
  public long readmissions() {
    return (long) readmissions.count();
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
