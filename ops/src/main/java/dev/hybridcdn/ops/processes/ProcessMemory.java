package dev.hybridcdn.ops.processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** Resident memory of processes, from Linux's {@code /proc/<pid>/status} ({@code VmRSS}). */
public final class ProcessMemory {
  private ProcessMemory() {}

  /** {@code VmRSS} of one process in bytes; 0 when it is gone or not on Linux. */
  public static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone between listing and reading
    }
    return 0;
  }

  /** RSS of a process and its descendants (PostgreSQL's backends), bytes. */
  public static long treeRssBytes(long pid) {
    return sum(tree(Set.of(pid)));
  }

  /** The pids and all their live descendants. */
  public static Set<Long> tree(Collection<Long> pids) {
    Set<Long> all = new HashSet<>();
    for (long pid : pids) {
      if (pid <= 0) {
        continue;
      }
      ProcessHandle.of(pid).ifPresent(h -> {
        all.add(h.pid());
        h.descendants().forEach(d -> all.add(d.pid()));
      });
    }
    return all;
  }

  /** Sum of {@code VmRSS} over the pids, bytes. */
  public static long sum(Collection<Long> pids) {
    return pids.stream().mapToLong(ProcessMemory::rssBytes).sum();
  }
}
