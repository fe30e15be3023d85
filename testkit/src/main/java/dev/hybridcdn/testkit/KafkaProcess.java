package dev.hybridcdn.testkit;

import dev.hybridcdn.kafka.BrokerProcess;
import java.nio.file.Path;
import java.util.List;

/**
 * A Kafka broker as its own OS process on free loopback ports, for failure tests that kill the
 * broker for real ({@code kill -9}) and start it again on the same port and data directory. The
 * process itself is kafka-runtime's {@link BrokerProcess} (which {@code ./cdn up --processes} runs
 * too); this adds the free ports and the log file of a test.
 *
 * <pre>{@code
 * try (KafkaProcess kafka = KafkaProcess.start(tmp.resolve("kafka"), KafkaProcess.classPath(libDir))) {
 *   kafka.kill();      // SIGKILL, no clean shutdown
 *   kafka.restart();   // same port, same data: topics and offsets survive
 * }
 * }</pre>
 *
 * The broker's output goes to {@code <dataDir>/broker.log}. {@link #close()} kills the process.
 */
public final class KafkaProcess implements AutoCloseable {
  private final BrokerProcess broker;

  private KafkaProcess(BrokerProcess broker) {
    this.broker = broker;
  }

  /** {@link BrokerProcess#classPath(Path)}: {@code libDir/*}, checked to hold {@code kafka_2.13}. */
  public static String classPath(Path libDir) {
    return BrokerProcess.classPath(libDir);
  }

  /**
   * Formats {@code dataDir} and starts the broker on free loopback ports (heap 512 MiB); blocks
   * until it accepts TCP connections on its client port.
   *
   * @throws IllegalStateException when formatting fails or the broker does not listen within 60 s
   */
  public static KafkaProcess start(Path dataDir, String classPath) {
    return new KafkaProcess(BrokerProcess.start(new BrokerProcess.Settings(dataDir, classPath, LocalPorts.free(),
        LocalPorts.free(), dataDir.resolve("broker.log"), 512, List.of())));
  }

  /** {@code 127.0.0.1:port}, the same across {@link #restart()}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The broker's process id (for {@code kill -STOP} and the like). */
  public long pid() {
    return broker.pid();
  }

  public boolean isAlive() {
    return broker.isAlive();
  }

  /** SIGKILL ({@code kill -9}): no clean shutdown, no flush. Waits until the process is gone. */
  public void kill() {
    broker.kill();
  }

  /** Starts the broker again on the same port and data directory, after {@link #kill()}; blocks until it listens. */
  public void restart() {
    broker.restart();
  }

  /** Kills the broker; the data directory stays (the caller's temporary directory). */
  @Override
  public void close() {
    broker.close();
  }
}
