package dev.hybridcdn.ops.processes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code .cdn/stack.json}: the processes of a running {@code cdn up --processes} stack, written by
 * it and rewritten by {@code cdn chaos} when it starts one again (new pid). Shape:
 * <pre>{@code
 * {"supervisorPid": 4711, "startedAt": "2026-11-29T19:40:00Z", "env": {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092", ...},
 *  "processes": [{"name": "kafka", "kind": "kafka", "pid": 4712, "port": 9092, "url": null, "log": ".../kafka.log",
 *                 "command": ["java", ...], "env": {}}, ...]}
 * }</pre>
 *
 * @param supervisorPid the {@code cdn up} JVM that stops them all on Ctrl-C
 * @param startedAt ISO-8601 instant
 * @param env the variables other commands use to reach the stack (as in {@code .cdn/stack.env})
 * @param processes every process, Kafka first and peers last
 */
public record StackFile(long supervisorPid, String startedAt, Map<String, String> env, List<ServiceProcess> processes) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public StackFile {
    env = Map.copyOf(env);
    processes = List.copyOf(processes);
  }

  /**
   * Reads the file.
   *
   * @return empty when the file does not exist
   * @throws UncheckedIOException when it cannot be read or parsed
   */
  public static Optional<StackFile> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), StackFile.class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes the file atomically (a temporary file moved over it). */
  public void write(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The process named {@code name}. */
  public Optional<ServiceProcess> process(String name) {
    return processes.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** Processes of a kind, in file order. */
  public List<ServiceProcess> ofKind(String kind) {
    return processes.stream().filter(p -> p.kind().equals(kind)).toList();
  }

  /** This file with one process replaced (same name). */
  public StackFile with(ServiceProcess p) {
    List<ServiceProcess> out = new ArrayList<>();
    for (ServiceProcess q : processes) {
      out.add(q.name().equals(p.name()) ? p : q);
    }
    return new StackFile(supervisorPid, startedAt, env, out);
  }
}
