package dev.hybridcdn.testkit;

import dev.hybridcdn.kafka.EmbeddedKafka;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for integration tests, one per test JVM (suite), shared by every class:
 * <ol>
 *   <li>an external cluster when {@code KAFKA_BOOTSTRAP_SERVERS} is set;</li>
 *   <li>else Testcontainers' Kafka module when a Docker engine answers (and
 *       {@code CDN_TEST_DOCKER} is not {@code false});</li>
 *   <li>else an in-JVM KRaft broker ({@link EmbeddedKafka}).</li>
 * </ol>
 * Tests take unique topic prefixes from {@link #uniquePrefix(String)} so they never share topics.
 *
 * <pre>{@code @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();}</pre>
 */
public final class KafkaBrokerExtension implements BeforeAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerExtension.class);
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static volatile Broker shared;

  private record Broker(String bootstrapServers, String kind, long startMillis, AutoCloseable closer)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Throwable {
      if (closer != null) {
        closer.close();
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (KafkaBrokerExtension.class) {
      if (shared == null) {
        shared = start();
        // Closed when the whole suite (root context) ends.
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(Broker.class, shared);
      }
    }
  }

  private static Broker start() {
    long t0 = System.nanoTime();
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    if (external != null && !external.isBlank()) {
      LOG.info("tests use the external Kafka cluster at {}", external);
      return new Broker(external, "external", 0, null);
    }
    if (!"false".equals(System.getenv("CDN_TEST_DOCKER")) && dockerAvailable()) {
      KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0");
      container.start();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      LOG.info("tests use a Testcontainers Kafka broker at {} (started in {} ms)", container.getBootstrapServers(), ms);
      return new Broker(container.getBootstrapServers(), "testcontainers", ms, container::stop);
    }
    EmbeddedKafka kafka = EmbeddedKafka.start(null);
    return new Broker(kafka.bootstrapServers(), "embedded", kafka.startTime().toMillis(), kafka);
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  /** {@code host:port[,host:port]} of the broker; call after the extension ran (in tests). */
  public String bootstrapServers() {
    if (shared == null) {
      throw new IllegalStateException("KafkaBrokerExtension has not started: register it with @RegisterExtension");
    }
    return shared.bootstrapServers();
  }

  /** "embedded", "testcontainers" or "external". */
  public String kind() {
    return shared.kind();
  }

  /** Milliseconds the broker took to start (0 for an external cluster). */
  public long startMillis() {
    return shared.startMillis();
  }

  /**
   * A topic prefix (and application id stem) no other test uses, e.g. {@code it-origin-3-1a2b3c4d.}.
   *
   * @param name a short name of the test
   */
  public String uniquePrefix(String name) {
    return "it-" + name.replaceAll("[^A-Za-z0-9-]", "-") + "-" + SEQUENCE.incrementAndGet() + "-"
        + UUID.randomUUID().toString().substring(0, 8) + ".";
  }
}
