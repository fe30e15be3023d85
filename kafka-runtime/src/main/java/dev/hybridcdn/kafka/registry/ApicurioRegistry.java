package dev.hybridcdn.kafka.registry;

import dev.hybridcdn.kafka.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Apicurio Registry 2.6 as its own OS process, the schema registry of registry mode
 * ({@code ./cdn up --registry} and the integration tests): the runnable Quarkus application from
 * Maven Central ({@code io.apicurio:apicurio-registry-app:2.6.13.Final:tar.gz:all}), unpacked,
 * started with {@code java -jar apicurio-registry-app-2.6.13.Final-runner.jar} on a loopback port,
 * in-memory storage. Its Confluent-compatible API ({@link #url()}) is what services get as
 * {@code SCHEMA_REGISTRY_URL}. Every subject is held to BACKWARD compatibility
 * ({@code registry.rules.global.compatibility}, the same setting docker-compose.yml gives it).
 *
 * <pre>{@code
 * Path home = ApicurioRegistry.install(Path.of(".cdn/cache"));     // fetch and unpack once
 * try (ApicurioRegistry registry = ApicurioRegistry.start(home, 0, dir.resolve("registry.log"))) {
 *   registry.url();   // http://127.0.0.1:<port>/apis/ccompat/v7
 * }
 * }</pre>
 */
public final class ApicurioRegistry implements AutoCloseable {
  public static final String VERSION = "2.6.13.Final";
  /** The Maven coordinates of the runnable application. */
  public static final String ARTIFACT = "io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all";
  /** Path of the Confluent-compatible API under the registry's root. */
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
  static final String RUNNER = "apicurio-registry-app-" + VERSION + "-runner.jar";
  private static final String TAR = "apicurio-registry-app-" + VERSION + "-all.tar.gz";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final int port;
  private final Path log;

  private ApicurioRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * The unpacked application under {@code cacheDir/apicurio-registry-app-2.6.13.Final}, unpacking
   * the tar.gz from the local Maven repository ({@code ~/.m2}, or {@code -Dmaven.repo.local}) and
   * fetching it there first with {@code mvn dependency:get} when it is missing (about 140 MB, once).
   *
   * @return the folder holding the runner jar
   * @throws IllegalStateException when Maven or {@code tar} fails, naming the command
   */
  public static Path install(Path cacheDir) {
    Path home = cacheDir.resolve("apicurio-registry-app-" + VERSION).toAbsolutePath();
    if (Files.isRegularFile(home.resolve(RUNNER))) {
      return home;
    }
    Path tar = localRepository().resolve("io/apicurio/apicurio-registry-app/" + VERSION + "/" + TAR);
    if (!Files.isRegularFile(tar)) {
      run(List.of("mvn", "-B", "-q", "dependency:get", "-Dtransitive=false", "-Dartifact=" + ARTIFACT), cacheDir);
    }
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException("mvn dependency:get did not put " + TAR + " in " + tar.getParent());
    }
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + home, e);
    }
    run(List.of("tar", "xzf", tar.toString(), "-C", home.toString()), cacheDir);
    return home(home);
  }

  /**
   * The folder holding the runner jar: {@code dir} itself or its only subfolder (as Maven's
   * {@code dependency:unpack} or {@code tar} left it).
   *
   * @throws IllegalStateException when neither holds the runner jar
   */
  public static Path home(Path dir) {
    if (Files.isRegularFile(dir.resolve(RUNNER))) {
      return dir;
    }
    try (var children = Files.list(dir)) {
      for (Path child : children.toList()) {
        if (Files.isRegularFile(child.resolve(RUNNER))) {
          return child;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    throw new IllegalStateException("no " + RUNNER + " in " + dir);
  }

  /**
   * Starts the registry and blocks until its Confluent-compatible API answers.
   *
   * @param home the folder of the runner jar ({@link #install}, {@link #home})
   * @param port the HTTP port, 0 for a free one
   * @param log where its output goes (replaced)
   * @throws IllegalStateException when it exits or does not answer within 90 s (with the log's tail)
   */
  public static ApicurioRegistry start(Path home, int port, Path log) {
    int p = port == 0 ? LoopbackPorts.free() : port;
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // A small registry: a few dozen schemas in memory; C1 only starts it sooner on a busy machine.
        "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + p,
        "-Dregistry.rules.global.compatibility=BACKWARD",
        "-Dquarkus.log.level=WARN", "-Dquarkus.log.category.\"io.quarkus\".level=INFO",
        "-jar", home.resolve(RUNNER).toString()));
    Process process;
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      process = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Apicurio Registry from " + home, e);
    }
    ApicurioRegistry registry = new ApicurioRegistry(process, p, log);
    registry.awaitReady();
    return registry;
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest config = HttpRequest.newBuilder(URI.create(url() + "/config")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited with " + process.exitValue() + ": " + logTail());
      }
      try {
        if (http.send(config, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while Apicurio Registry started", e);
      }
      try {
        process.waitFor(200, TimeUnit.MILLISECONDS); // poll interval; returns early if it dies
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    close();
    throw new IllegalStateException("Apicurio Registry did not answer on :" + port + " within "
        + START_TIMEOUT.toSeconds() + " s: " + logTail());
  }

  /** The Confluent-compatible API, e.g. {@code http://127.0.0.1:8085/apis/ccompat/v7}: {@code SCHEMA_REGISTRY_URL}. */
  public String url() {
    return "http://127.0.0.1:" + port + CCOMPAT_PATH;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s); its in-memory schemas are gone. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ")";
    }
  }

  private static Path localRepository() {
    String repo = System.getProperty("maven.repo.local");
    return repo != null ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  private static void run(List<String> cmd, Path dir) {
    try {
      Files.createDirectories(dir);
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
      if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " failed"
            + (p.isAlive() ? " (timed out)" : " with exit code " + p.exitValue()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
  }
}
