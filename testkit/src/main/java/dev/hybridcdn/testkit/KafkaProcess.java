package dev.hybridcdn.testkit;

import dev.hybridcdn.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker as its own OS process, for failure tests that kill the broker for real
 * ({@code kill -9}) and start it again on the same port and data directory. One KRaft node in
 * combined mode (broker and controller), formatted once with
 * {@code kafka.tools.StorageTool format --standalone} (dynamic quorum,
 * {@code controller.quorum.bootstrap.servers}, KIP-853), then run as {@code kafka.Kafka
 * server.properties}; the one-node settings are {@link EmbeddedKafka#SINGLE_NODE_CONFIG}.
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
  private static final Logger LOG = LoggerFactory.getLogger(KafkaProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dataDir;
  private final String classPath;
  private final int port;
  private final Path properties;
  private Process process;

  private KafkaProcess(Path dataDir, String classPath, int port, Path properties) {
    this.dataDir = dataDir;
    this.classPath = classPath;
    this.port = port;
    this.properties = properties;
  }

  /**
   * The class path of a folder of jars holding {@code kafka_2.13} and its dependencies (e.g.
   * {@code ops/target/lib}), as a {@code java -cp} wildcard.
   *
   * @throws IllegalStateException when the folder holds no {@code kafka_2.13} jar
   */
  public static String classPath(Path libDir) {
    try (var files = Files.list(libDir)) {
      if (files.noneMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"))) {
        throw new IllegalStateException("no kafka_2.13 jar in " + libDir.toAbsolutePath());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + libDir.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    return libDir.toAbsolutePath() + "/*";
  }

  /**
   * Formats {@code dataDir} and starts the broker on free loopback ports; blocks until it accepts
   * TCP connections on its client port.
   *
   * @throws IllegalStateException when formatting fails or the broker does not listen within 60 s
   */
  public static KafkaProcess start(Path dataDir, String classPath) {
    try {
      Files.createDirectories(dataDir);
      int port = LocalPorts.free();
      int controllerPort = LocalPorts.free();
      List<String> lines = new ArrayList<>(List.of(
          "process.roles=broker,controller",
          "node.id=1",
          "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
          "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
          "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
          "controller.listener.names=CONTROLLER",
          "inter.broker.listener.name=PLAINTEXT",
          "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
          "log.dirs=" + dataDir.resolve("logs").toAbsolutePath(),
          "metadata.log.dir=" + dataDir.resolve("metadata").toAbsolutePath(),
          // After kill -9 the restarted node finds its own old registration in the metadata log and
          // cannot register until that session expires (default 9 s): keep it short.
          "broker.heartbeat.interval.ms=500",
          "broker.session.timeout.ms=2000"));
      for (Map.Entry<String, String> e : EmbeddedKafka.SINGLE_NODE_CONFIG.entrySet()) {
        lines.add(e.getKey() + "=" + e.getValue());
      }
      Path props = dataDir.resolve("server.properties");
      Files.write(props, lines);
      KafkaProcess kafka = new KafkaProcess(dataDir, classPath, port, props);
      kafka.format();
      kafka.launch();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void format() throws IOException {
    String clusterId = uuidBase64();
    Process p = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId,
        "-c", properties.toString())).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("format.log").toFile())).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("kafka.tools.StorageTool format failed: "
            + Files.readString(dataDir.resolve("format.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting", e);
    }
  }

  private void launch() throws IOException {
    long t0 = System.nanoTime();
    process = new ProcessBuilder(java("kafka.Kafka", properties.toString())).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("broker.log").toFile())).start();
    long deadline = t0 + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Kafka broker process exited with " + process.exitValue()
            + "; see " + dataDir.resolve("broker.log"));
      }
      if (LocalPorts.answers(port)) {
        LOG.info("Kafka broker process {} listening on 127.0.0.1:{} in {} ms", process.pid(), port,
            (System.nanoTime() - t0) / 1_000_000);
        return;
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("the Kafka broker process did not listen on " + port + " within "
        + START_TIMEOUT.toSeconds() + " s; see " + dataDir.resolve("broker.log"));
  }

  private List<String> java(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath, mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** {@code 127.0.0.1:port}, the same across {@link #restart()}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The broker's process id (for {@code kill -STOP} and the like). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL ({@code kill -9}): no clean shutdown, no flush. Waits until the process is gone. */
  public void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the broker again on the same port and data directory (no new format), after
   * {@link #kill()}; blocks until it listens.
   */
  public void restart() {
    if (isAlive()) {
      throw new IllegalStateException("the broker still runs (pid " + process.pid() + ")");
    }
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the broker; the data directory stays (the caller's temporary directory). */
  @Override
  public void close() {
    kill();
  }

  private static String uuidBase64() {
    UUID u = UUID.randomUUID();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
    b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
