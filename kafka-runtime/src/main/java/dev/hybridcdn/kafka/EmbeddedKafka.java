package dev.hybridcdn.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in this JVM: one node in KRaft combined mode (broker and controller),
 * built from the Maven Central jars with Kafka's own {@link KafkaClusterTestKit}. Used by the
 * integration tests (through testkit's JUnit extension) and by the local stack ({@code ./cdn up},
 * {@code ./cdn demo}). Listens on a free loopback port; see {@link #bootstrapServers()}.
 *
 * <p>Settings are those of a single-node cluster: every replication factor 1 and
 * {@code transaction.state.log.min.isr=1}, without which exactly-once Streams apps never reach
 * RUNNING.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** Broker settings of a one-node cluster. */
  public static final Map<String, String> SINGLE_NODE_CONFIG = Map.ofEntries(
      Map.entry("offsets.topic.replication.factor", "1"),
      Map.entry("offsets.topic.num.partitions", "6"),
      Map.entry("transaction.state.log.replication.factor", "1"),
      Map.entry("transaction.state.log.min.isr", "1"),
      Map.entry("transaction.state.log.num.partitions", "6"),
      Map.entry("share.coordinator.state.topic.replication.factor", "1"),
      Map.entry("share.coordinator.state.topic.min.isr", "1"),
      Map.entry("default.replication.factor", "1"),
      Map.entry("min.insync.replicas", "1"),
      Map.entry("group.initial.rebalance.delay.ms", "0"),
      // The cleaner's default 128 MiB dedupe buffer is wasted on a laptop-sized broker.
      Map.entry("log.cleaner.dedupe.buffer.size", "2097152"),
      Map.entry("num.network.threads", "2"),
      Map.entry("num.io.threads", "4"),
      Map.entry("auto.create.topics.enable", "true"));

  private final KafkaClusterTestKit cluster;
  private final Duration startTime;

  private EmbeddedKafka(KafkaClusterTestKit cluster, Duration startTime) {
    this.cluster = cluster;
    this.startTime = startTime;
  }

  /**
   * Formats and starts a broker; blocks until it accepts clients.
   *
   * @param dataDir directory for the logs and metadata (kept after close), or null for a temporary
   *     directory deleted on close
   * @throws IllegalStateException if the broker does not start
   */
  public static EmbeddedKafka start(Path dataDir) {
    long t0 = System.nanoTime();
    try {
      TestKitNodes.Builder nodes = new TestKitNodes.Builder()
          .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
          .setCombined(true)
          .setNumBrokerNodes(1)
          .setNumControllerNodes(1);
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        nodes.setBaseDirectory(dataDir);
      }
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build())
          .setDeleteOnClose(dataDir == null);
      SINGLE_NODE_CONFIG.forEach(builder::setConfigProp);
      KafkaClusterTestKit cluster = builder.build();
      format(cluster);
      cluster.startup();
      cluster.waitForReadyBrokers();
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      LOG.info("embedded Kafka broker ready at {} in {} ms", cluster.bootstrapServers(), took.toMillis());
      return new EmbeddedKafka(cluster, took);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
    }
  }

  /**
   * Formats the node's directories. Kafka's formatter prints a banner ("Formatting metadata
   * directory ...") to {@code System.out}; that is not the output of the command that started the
   * broker, so it is dropped.
   */
  private static void format(KafkaClusterTestKit cluster) throws Exception {
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
    try {
      cluster.format();
    } finally {
      System.setOut(stdout);
    }
  }

  /** {@code host:port} of the broker's client listener. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Wall time from {@link #start(Path)} to a broker ready for clients. */
  public Duration startTime() {
    return startTime;
  }

  /** Stops the broker; never throws (a failure to stop is logged). */
  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      LOG.warn("embedded Kafka broker did not stop cleanly: {}", e.toString());
    }
  }
}
