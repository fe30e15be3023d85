package dev.hybridcdn.servicekit.events;

import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fire-and-forget event producer for request paths: {@link #publish} never blocks and never
 * throws. Events go into a bounded in-memory buffer drained by one background thread into a Kafka
 * producer whose delivery timeout is long, so events made while the broker is away are delivered
 * when it returns. When the buffer is full the event is dropped and counted in
 * {@code cdn_events_dropped_total} (ARCHITECTURE.md, "Processes, ports and metrics").
 *
 * <p>Encoding happens on the caller's thread (a few microseconds), so a record that cannot be
 * encoded fails loudly where it was made instead of inside the drain thread.
 */
public final class EventPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
  /** Default buffer of events waiting for the producer. */
  public static final int DEFAULT_BUFFER_EVENTS = 50_000;

  private record Pending(String topic, String key, byte[] value, List<Header> headers) {}

  private final TopicRegistry topics;
  private final Producer<String, byte[]> producer;
  private final BlockingQueue<Pending> buffer;
  private final Counter dropped;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Thread drain;
  private volatile boolean closing;

  /**
   * @param bootstrapServers Kafka bootstrap servers
   * @param clientId producer client id (service and instance, e.g. {@code edge-eu-west-1})
   * @param bufferEvents events buffered before dropping starts (besides up to {@link Drain#BATCH}
   *     being handed to the producer)
   * @param metrics registry receiving {@code cdn_events_dropped_total}
   * @throws dev.hybridcdn.schemas.registry.SchemaRegistryException in registry mode, when the
   *     registry refuses or does not take the event schemas (registered here, before any publish)
   */
  public EventPublisher(String bootstrapServers, String clientId, TopicRegistry topics, int bufferEvents,
      MeterRegistry metrics) {
    this(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), clientId, topics, bufferEvents, metrics);
  }

  /**
   * The same from a client's base settings: bootstrap servers and security
   * ({@code CommonConfig.kafkaClient()}).
   */
  public EventPublisher(Map<String, Object> kafkaClient, String clientId, TopicRegistry topics, int bufferEvents,
      MeterRegistry metrics) {
    this(new KafkaProducer<>(producerConfig(kafkaClient, clientId), new StringSerializer(),
        new ByteArraySerializer()), topics, bufferEvents, metrics);
  }

  /** With a given producer (tests). The publisher owns and closes it. */
  public EventPublisher(Producer<String, byte[]> producer, TopicRegistry topics, int bufferEvents,
      MeterRegistry metrics) {
    this.topics = topics;
    try {
      topics.codec().prepare(topics.eventTypesByTopic()); // registry mode: register now, not on a request path
    } catch (RuntimeException e) {
      producer.close(java.time.Duration.ZERO);
      throw e;
    }
    this.producer = producer;
    this.buffer = new ArrayBlockingQueue<>(bufferEvents);
    this.dropped = Counter.builder("cdn.events.dropped")
        .description("events dropped because the publish buffer was full").register(metrics);
    this.drain = new Thread(this::drainLoop, "event-publisher");
    this.drain.setDaemon(true);
    this.drain.start();
  }

  /** Producer settings: idempotent, batched, retrying for as long as a broker may be away. */
  public static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
    return producerConfig(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), clientId);
  }

  /** The same from a client's base settings (bootstrap servers and security, {@code CommonConfig.kafkaClient()}). */
  public static Map<String, Object> producerConfig(Map<String, Object> kafkaClient, String clientId) {
    Map<String, Object> cfg = new HashMap<>(kafkaClient);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // Keep retrying while the broker is away; the bounded buffer in front caps memory.
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofHours(1).toMillis());
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofHours(1).toMillis());
    cfg.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return cfg;
  }

  /**
   * Queues one event for {@code topic}, keyed by {@code key}. Never blocks, never throws for a
   * full buffer (the event is dropped and counted).
   *
   * @return false when the event was dropped
   * @throws IllegalArgumentException if the topic does not carry this event type
   */
  public boolean publish(CdnTopic topic, String key, SpecificRecord event) {
    return publish(topic, key, event, null);
  }

  /**
   * As {@link #publish(CdnTopic, String, SpecificRecord)}, signed by {@code signer} (issue 16:
   * {@code cdn.auth.*} headers); null or not yet admitted: unsigned. Signing and queueing happen
   * under the signer's lock, so its sequence numbers reach Kafka in order.
   */
  public boolean publish(CdnTopic topic, String key, SpecificRecord event, NodeIdentity signer) {
    if (!topic.carries(event)) {
      throw new IllegalArgumentException(topic + " does not carry " + event.getClass().getSimpleName());
    }
    String name = topics.name(topic);
    byte[] value = topics.codec().encode(name, event);
    if (signer == null) {
      return offer(new Pending(name, key, value, List.of()));
    }
    synchronized (signer) {
      return offer(new Pending(name, key, value, signer.sign(name, event, value)));
    }
  }

  private boolean offer(Pending p) {
    if (closing || !buffer.offer(p)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  /**
   * Takes what is buffered every {@link Drain#IDLE_PARK_NANOS} at most, never waiting on the buffer
   * itself: a thread blocked in the buffer's {@code poll} is woken (a futex call and a context switch)
   * by every offer, which a profile of the edge put at over half of its event threads' time at 20,000
   * answers a second (ops README "CPU per answer").
   */
  private void drainLoop() {
    List<Pending> batch = new ArrayList<>(Drain.BATCH);
    try {
      while (!closing || !buffer.isEmpty()) {
        if (!Drain.next(buffer, batch)) {
          continue;
        }
        for (Pending p : batch) {
          // send() blocks only while the producer's own buffer is full or metadata is missing,
          // which is why it runs here and not on the caller's thread.
          producer.send(new ProducerRecord<>(p.topic(), null, p.key(), p.value(), p.headers()), (md, err) -> {
            if (err == null) {
              sent.incrementAndGet();
            } else {
              failed.incrementAndGet();
              LOG.warn("event to {} not delivered: {}", p.topic(), err.toString());
            }
          });
        }
        batch.clear();
      }
    } catch (RuntimeException e) {
      if (closing) {
        // close() gave up on a broker that never came back while send() waited for it.
        LOG.warn("closed with the broker unreachable: {} buffered events not delivered", buffer.size() + 1);
      } else {
        LOG.error("event publisher stopped", e);
      }
    }
  }

  /** Events acknowledged by the broker. */
  public long sent() {
    return sent.get();
  }

  /** Events the producer gave up on. */
  public long failed() {
    return failed.get();
  }

  /** Events waiting in the buffer. */
  public int buffered() {
    return buffer.size();
  }

  /** Events dropped because the buffer was full. */
  public long droppedCount() {
    return (long) dropped.count();
  }

  /** Sends what is buffered (waiting up to {@code timeout}) and closes the producer. */
  public void close(Duration timeout) {
    closing = true;
    try {
      drain.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(timeout);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
