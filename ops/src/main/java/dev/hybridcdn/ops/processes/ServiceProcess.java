package dev.hybridcdn.ops.processes;

import dev.hybridcdn.kafka.BrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One OS process of a {@code cdn up --processes} stack, as {@code .cdn/stack.json} records it: enough
 * to list it ({@code cdn ps}), kill it and start it again from another JVM ({@code cdn chaos}).
 *
 * @param name unique in the stack: {@code kafka}, {@code postgres}, {@code redis}, {@code origin},
 *     {@code edge-1}, {@code tracker-1}, {@code topology}, {@code peer-1}, ...
 * @param kind {@code kafka}, {@code postgres}, {@code redis}, {@code origin}, {@code edge},
 *     {@code tracker}, {@code topology} or {@code peer}
 * @param pid the process id now (changes on {@link #launch()}); 0 when unknown
 * @param port the port it serves on 127.0.0.1
 * @param url base URL of an HTTP service ({@code GET /health}); null for Kafka, PostgreSQL, Redis
 * @param log the file its output is appended to
 * @param command its command line; empty for processes this stack cannot start again (PostgreSQL, Redis)
 * @param env variables set on top of a minimal environment ({@link #INHERITED}) when it starts
 */
public record ServiceProcess(String name, String kind, long pid, int port, String url, String log,
    List<String> command, Map<String, String> env) {
  /** Variables a child takes from the launching process; every other one comes from {@link #env()}. */
  static final Set<String> INHERITED = Set.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME",
      "FFMPEG_PATH", "FFPROBE_PATH");

  public ServiceProcess {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  /** True for the services that answer {@code GET /health}. */
  public boolean http() {
    return url != null;
  }

  /** The same process with another pid. */
  public ServiceProcess withPid(long newPid) {
    return new ServiceProcess(name, kind, newPid, port, url, log, command, env);
  }

  /**
   * Starts the command (output appended to {@link #log()}) and returns this entry with the new pid;
   * does not wait for it to serve.
   *
   * @throws IllegalStateException when there is no command or it cannot be started
   */
  public ServiceProcess launch() {
    if (command.isEmpty()) {
      throw new IllegalStateException(name + " cannot be started again by cdn (no command)");
    }
    try {
      Path logFile = Path.of(log);
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      pb.environment().keySet().retainAll(INHERITED);
      pb.environment().putAll(env);
      return withPid(pb.start().pid());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** The running process, if its pid is alive. */
  public Optional<ProcessHandle> handle() {
    return pid <= 0 ? Optional.empty() : ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  public boolean alive() {
    return handle().isPresent();
  }

  /** SIGKILL ({@code kill -9}); waits up to 10 s for the process to be gone. */
  public void kill() {
    handle().ifPresent(h -> {
      h.destroyForcibly();
      awaitExit(h, Duration.ofSeconds(10));
    });
  }

  /** SIGTERM, then SIGKILL past {@code grace}; returns once the process is gone (or 10 s more passed). */
  public void stop(Duration grace) {
    handle().ifPresent(h -> {
      h.destroy();
      if (!awaitExit(h, grace)) {
        h.destroyForcibly();
        awaitExit(h, Duration.ofSeconds(10));
      }
    });
  }

  /** Sends a signal by name ({@code STOP}, {@code CONT}) with {@code kill -SIG pid}. */
  public void signal(String sig) {
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Health now: {@code UP} when {@code GET /health} answers 200 (HTTP services) or the port
   * accepts a connection (Kafka, PostgreSQL, Redis); else {@code DOWN (503)}, {@code DOWN
   * (no answer)} or {@code DEAD} when the pid is gone.
   */
  public String health(HttpClient client) {
    if (pid > 0 && !alive()) {
      return "DEAD";
    }
    if (!http()) {
      return BrokerProcess.answers(port) ? "UP" : "DOWN (no answer)";
    }
    try {
      HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(url + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200 ? "UP" : "DOWN (" + r.statusCode() + ")";
    } catch (IOException e) {
      return "DOWN (no answer)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "DOWN (interrupted)";
    }
  }

  /**
   * Waits until {@link #health} is {@code UP}, asking every 100 ms.
   *
   * @param bound how long it may take
   * @throws IllegalStateException naming this process, its last health and its log, when its pid is gone
   *     or it is not up within {@code bound}
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitUp(HttpClient client, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    String h = health(client);
    while (!"UP".equals(h)) {
      if ("DEAD".equals(h) || System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " is not up (" + h + "); see " + log + ", which ends:\n"
            + BrokerProcess.logTail(Path.of(log)));
      }
      Thread.sleep(100);
      h = health(client);
    }
  }

  static boolean awaitExit(ProcessHandle h, Duration d) {
    try {
      h.onExit().get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !h.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !h.isAlive();
    }
  }
}
