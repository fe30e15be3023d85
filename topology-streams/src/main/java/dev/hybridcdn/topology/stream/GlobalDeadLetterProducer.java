package dev.hybridcdn.topology.stream;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters from the global stream thread. Kafka Streams gives a global processor no sink, and
 * the dead-letter records a deserialization handler returns go through a task's record collector,
 * which the global thread's context does not have (4.3.1 {@code RecordDeserializer} casts the
 * context to {@code RecordCollector.Supplier}). So {@link GraphStoreUpdater} reads raw bytes and
 * sends its dead letters through this small producer of its own, created on the first one (a
 * healthy topic never opens it). Sends are asynchronous; a failed send is logged.
 */
public final class GlobalDeadLetterProducer implements Consumer<ProducerRecord<byte[], byte[]>>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GlobalDeadLetterProducer.class);

  private final Map<String, Object> kafkaClient;
  private final String clientId;
  private KafkaProducer<byte[], byte[]> producer;
  private boolean closed;

  /** @param kafkaClient bootstrap servers and security ({@code CommonConfig.kafkaClient()}) */
  public GlobalDeadLetterProducer(Map<String, Object> kafkaClient, String clientId) {
    this.kafkaClient = Map.copyOf(kafkaClient);
    this.clientId = clientId;
  }

  @Override
  public synchronized void accept(ProducerRecord<byte[], byte[]> letter) {
    if (closed) { // the app closes this before Streams, whose global thread may still be finishing
      LOG.warn("dead letter for {} dropped: the app is closing", letter.topic());
      return;
    }
    if (producer == null) {
      Map<String, Object> cfg = new java.util.HashMap<>(kafkaClient);
      cfg.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
      producer = new KafkaProducer<>(cfg, new ByteArraySerializer(), new ByteArraySerializer());
    }
    producer.send(letter, (meta, error) -> {
      if (error != null) {
        LOG.error("could not dead-letter a graph change to {}: {}", letter.topic(), error.toString());
      }
    });
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }
}
