package dev.hybridcdn.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process and its descendants have used (user + system, {@code utime + stime} of
 * {@code /proc/<pid>/stat}, proc(5)), so a benchmark can say what one answer cost the server besides
 * how many it gave: on a 2-core machine shared with the load generator a rate says little of either.
 */
final class ProcessCpu {
  /** One clock tick of {@code /proc}, us: {@code USER_HZ} is 100 on Linux whatever the kernel's HZ. */
  static final long TICK_US = 10_000;

  private ProcessCpu() {}

  /**
   * CPU used so far by {@code pid} and every process below it (nginx's workers under its master), us.
   *
   * @return -1 when {@code /proc} cannot tell (not Linux, or the process is gone)
   */
  static long usedUs(long pid) {
    long ticks = ticks(pid);
    if (ticks < 0) {
      return -1;
    }
    long[] sum = {ticks};
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> sum[0] += Math.max(0, ticks(d.pid()))));
    return sum[0] * TICK_US;
  }

  /** utime + stime of one process, clock ticks; -1 when unreadable. */
  static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU per answer, us, from two {@link #usedUs} readings around a run of {@code seconds} at
   * {@code requestsPerSecond}; null when either reading failed or nothing was answered.
   */
  static Double perRequestUs(long before, long after, double requestsPerSecond, int seconds) {
    double requests = requestsPerSecond * seconds;
    return before < 0 || after < 0 || requests <= 0 ? null : (after - before) / requests;
  }
}
