package dev.hybridcdn.ops.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Which cores the side-by-side benchmark gives to whom (issue 19): on a small machine the load
 * generator ({@code wrk}), the server under test and the JVM's GC and JIT threads otherwise fight for
 * the same cores, and the scheduler's choices from one round to the next made the round-to-round
 * spread larger than the gap being measured. With pinning, {@code wrk} runs on the <em>load</em> core
 * (CPU 0) and the server under test, nginx and ours alike, on the <em>server</em> cores (every other
 * CPU); the bench's own JVM (Kafka, the Streams apps, the stack's peers) sits with {@code wrk} while a
 * separate server is measured, and on the server cores while the tracker it holds is measured.
 * A pinned JVM sees only its cores ({@code availableProcessors}), so its GC and JIT threads and event
 * loops are sized to them. Uses util-linux {@code taskset} ({@code sched_setaffinity}); with fewer than
 * 2 CPUs or without {@code taskset} nothing is pinned ({@link #off}).
 */
final class CorePinning {
  private final String load;
  private final String server;
  private final int serverCores;
  private final String all;

  private CorePinning(String load, String server, int serverCores, String all) {
    this.load = load;
    this.server = server;
    this.serverCores = serverCores;
    this.all = all;
  }

  /** No pinning: every process on every core, as the scheduler likes (the method before 2026-11-30). */
  static CorePinning off() {
    return new CorePinning(null, null, Runtime.getRuntime().availableProcessors(), null);
  }

  /**
   * Of the CPUs this JVM may use (its affinity, as {@code taskset -p} reads it), the first for the load
   * and the others for the server under test, when there are at least 2 and {@code taskset} is installed;
   * {@link #off} otherwise.
   */
  static CorePinning detect() {
    if (ExternalTools.find("taskset") == null) {
      return off();
    }
    List<Integer> cpus = cpus(taskset("-p", "-c", Long.toString(ProcessHandle.current().pid())));
    if (cpus.size() < 2) {
      return off();
    }
    List<String> rest = cpus.subList(1, cpus.size()).stream().map(String::valueOf).toList();
    String all = cpus.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    return new CorePinning(Integer.toString(cpus.get(0)), String.join(",", rest), rest.size(), all);
  }

  /**
   * The CPUs of {@code taskset -p -c}'s answer ({@code "pid 42's current affinity list: 0,2-3"}).
   *
   * @throws IllegalStateException when the answer has no list
   */
  static List<Integer> cpus(String tasksetAnswer) {
    int colon = tasksetAnswer.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalStateException("cannot read taskset's affinity list: " + tasksetAnswer);
    }
    List<Integer> out = new ArrayList<>();
    for (String part : tasksetAnswer.substring(colon + 1).strip().split(",")) {
      String[] range = part.split("-");
      int from = Integer.parseInt(range[0].strip());
      int to = range.length > 1 ? Integer.parseInt(range[1].strip()) : from;
      for (int c = from; c <= to; c++) {
        out.add(c);
      }
    }
    return out;
  }

  boolean enabled() {
    return load != null;
  }

  /** Cores the server under test may use: the event loops and nginx workers to size for it. */
  int serverCores() {
    return serverCores;
  }

  /** {@code cmd} run on the load core ({@code taskset -c 0 cmd...}); unchanged when off. */
  List<String> onLoadCore(List<String> cmd) {
    return wrap(load, cmd);
  }

  /** {@code cmd} run on the server cores; unchanged when off. */
  List<String> onServerCores(List<String> cmd) {
    return wrap(server, cmd);
  }

  /** Moves every thread of this JVM to the load core (its new threads follow); nothing when off. */
  void benchJvmOnLoadCore() {
    pinSelf(load);
  }

  /** Moves every thread of this JVM to the server cores; nothing when off. */
  void benchJvmOnServerCores() {
    pinSelf(server);
  }

  /** Moves every thread of process {@code pid} to the server cores; nothing when off. */
  void onServerCores(long pid) {
    pin(server, pid);
  }

  /**
   * Moves every thread of process {@code pid} to the load core; nothing when off. A server JVM that is
   * not being measured waits there: its timers, Kafka clients and GC would otherwise preempt the one that is.
   */
  void onLoadCore(long pid) {
    pin(load, pid);
  }

  /** Gives this JVM every CPU again (the end of a run, or a failure); nothing when off. */
  void release() {
    pinSelf(all);
  }

  /** In words, for the report's head. */
  String describe() {
    if (!enabled()) {
      return "off: every process on any core";
    }
    return "wrk on CPU " + load + "; the server under test (nginx, edge, peer, opentracker, tracker) on CPU "
        + server + ", the edge's or peer's JVM not measured at the time on CPU " + load + "; the bench's JVM"
        + " (stack) with wrk during serve rounds, on CPU " + server + " during tracker rounds; a short unreported"
        + " wrk run before each measured one";
  }

  private static List<String> wrap(String cpus, List<String> cmd) {
    if (cpus == null) {
      return cmd;
    }
    List<String> out = new ArrayList<>(List.of("taskset", "-c", cpus));
    out.addAll(cmd);
    return out;
  }

  private void pinSelf(String cpus) {
    pin(cpus, ProcessHandle.current().pid());
  }

  private static void pin(String cpus, long pid) {
    if (cpus == null) {
      return;
    }
    // -a: every thread of the process; threads started later inherit their creator's affinity.
    taskset("-a", "-p", "-c", cpus, Long.toString(pid));
  }

  /** Runs taskset; its output. */
  private static String taskset(String... args) {
    List<String> cmd = new ArrayList<>(List.of("taskset"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("taskset could not run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running taskset", e);
    }
  }
}
