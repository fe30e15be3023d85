package dev.hybridcdn.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker as its own OS process, from the {@code kafka_2.13} jars of Maven Central: one KRaft
 * node in combined mode (broker and controller), formatted once with
 * {@code kafka.tools.StorageTool format --standalone} (dynamic quorum,
 * {@code controller.quorum.bootstrap.servers}, KIP-853), then run as {@code kafka.Kafka
 * server.properties} with {@link EmbeddedKafka#SINGLE_NODE_CONFIG}. Used by {@code ./cdn up
 * --processes} (ports 9092/9093) and by testkit's {@code KafkaProcess} (free ports) for failure
 * tests that kill the broker for real and start it again on the same port and data.
 *
 * <pre>{@code
 * BrokerProcess kafka = BrokerProcess.start(new BrokerProcess.Settings(dataDir, classPath(libDir), 9092, 9093,
 *     logFile, 384));
 * kafka.kill();      // SIGKILL, no clean shutdown
 * kafka.restart();   // same port, same data: topics and offsets survive
 * }</pre>
 *
 * The formatter's banner and the broker's output go to the log file, never to this process's
 * terminal.
 */
public final class BrokerProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Where and how the broker runs.
   *
   * @param dataDir {@code server.properties}, {@code logs/} and {@code metadata/}; formatted on the
   *     first start only (a {@code meta.properties} already there is reused)
   * @param classPath a {@code java -cp} value holding {@code kafka_2.13} and its dependencies
   *     ({@link #classPath(Path)})
   * @param port client listener on 127.0.0.1
   * @param controllerPort KRaft controller listener on 127.0.0.1
   * @param logFile the formatter's and the broker's output (appended)
   * @param heapMb {@code -Xmx} of the broker JVM, MiB
   * @param jvmOptions further JVM options (e.g. log levels)
   */
  public record Settings(Path dataDir, String classPath, int port, int controllerPort, Path logFile, int heapMb,
      List<String> jvmOptions) {
    public Settings {
      jvmOptions = List.copyOf(jvmOptions);
    }
  }

  private final Settings settings;
  private final Path properties;
  private Process process;

  private BrokerProcess(Settings settings, Path properties) {
    this.settings = settings;
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
   * Writes {@code server.properties}, formats the data directory when it is new and starts the
   * broker; blocks until it accepts TCP connections on its client port.
   *
   * @throws IllegalStateException when formatting fails or the broker does not listen within 60 s
   */
  public static BrokerProcess start(Settings settings) {
    return start(settings, Map.of());
  }

  /**
   * The same with broker settings replacing or adding to the defaults, e.g. SASL and TLS listeners
   * with an authorizer; the client port ({@link Settings#port()}) must stay one of the listeners,
   * since the start waits for it.
   */
  public static BrokerProcess start(Settings settings, Map<String, String> overrides) {
    try {
      Path dataDir = settings.dataDir();
      Files.createDirectories(dataDir);
      Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
      List<String> lines = new ArrayList<>(List.of(
          "process.roles=broker,controller",
          "node.id=1",
          "controller.quorum.bootstrap.servers=127.0.0.1:" + settings.controllerPort(),
          "listeners=PLAINTEXT://127.0.0.1:" + settings.port() + ",CONTROLLER://127.0.0.1:" + settings.controllerPort(),
          "advertised.listeners=PLAINTEXT://127.0.0.1:" + settings.port(),
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
      Map<String, String> merged = new java.util.LinkedHashMap<>();
      for (String line : lines) {
        int eq = line.indexOf('=');
        merged.put(line.substring(0, eq), line.substring(eq + 1));
      }
      merged.putAll(overrides);
      java.util.Properties file = new java.util.Properties();
      file.putAll(merged);
      Path props = dataDir.resolve("server.properties");
      try (var out = Files.newBufferedWriter(props)) {
        file.store(out, "written by BrokerProcess"); // escaped as Properties reads it (JAAS lines have quotes)
      }
      BrokerProcess kafka = new BrokerProcess(settings, props);
      if (!Files.exists(dataDir.resolve("metadata").resolve("meta.properties"))) {
        kafka.format();
      }
      kafka.launch();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void format() throws IOException {
    Process p = new ProcessBuilder(java("kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId(),
        "-c", properties.toString())).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile())).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("kafka.tools.StorageTool format failed: " + logTail(settings.logFile()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting", e);
    }
  }

  private void launch() throws IOException {
    long t0 = System.nanoTime();
    process = new ProcessBuilder(command()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile())).start();
    long deadline = t0 + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Kafka broker process exited with " + process.exitValue()
            + "; see " + settings.logFile() + "; its last lines:\n" + logTail(settings.logFile()));
      }
      if (answers(settings.port())) {
        LOG.info("Kafka broker process {} listening on 127.0.0.1:{} in {} ms", process.pid(), settings.port(),
            (System.nanoTime() - t0) / 1_000_000);
        return;
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("the Kafka broker process did not listen on " + settings.port() + " within "
        + START_TIMEOUT.toSeconds() + " s; see " + settings.logFile());
  }

  /** The broker's command line ({@code java ... kafka.Kafka server.properties}), e.g. to start it again elsewhere. */
  public List<String> command() {
    return java("kafka.Kafka", properties.toString());
  }

  private List<String> java(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms64m", "-Xmx" + settings.heapMb() + "m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(settings.jvmOptions());
    cmd.addAll(List.of("-cp", settings.classPath(), mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** {@code 127.0.0.1:port}, the same across {@link #restart()}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + settings.port();
  }

  public Settings settings() {
    return settings;
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
    await(process, Duration.ofSeconds(30));
  }

  /**
   * SIGTERM (the broker's clean shutdown), then SIGKILL past {@code grace}. Waits until the
   * process is gone.
   */
  public void stop(Duration grace) {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!await(process, grace)) {
      kill();
    }
  }

  /**
   * Starts the broker again on the same port and data directory (no new format), after
   * {@link #kill()}; blocks until it listens.
   *
   * @throws IllegalStateException when it still runs or does not listen within 60 s
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

  /** Kills the broker; the data directory stays. */
  @Override
  public void close() {
    kill();
  }

  /** True when something accepts a TCP connection on 127.0.0.1:{@code port} within 200 ms. */
  public static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The last lines of a log file, for an error message. */
  /**
   * The last 15 lines of a process's log, for an error message that says why it failed without the
   * file (a test's temporary directory is gone by the time anyone reads the report).
   *
   * @return the lines joined with newlines, or {@code (no <path>)} when it cannot be read
   */
  public static String logTail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no " + log + ")";
    }
  }

  private static boolean await(Process p, Duration d) {
    try {
      return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  /**
   * A new cluster id, as {@code kafka-storage random-uuid} makes it: Kafka's {@link Uuid#randomUuid()} never
   * starts with {@code -}, which the storage tool's argument parser would read as an option (a hand-made
   * base64 id did, one format in 64).
   */
  private static String clusterId() {
    return Uuid.randomUuid().toString();
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
