package dev.hybridcdn.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {
  @Test
  void countsTheCpuThisProcessSpends() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux /proc");
    long pid = ProcessHandle.current().pid();
    long before = ProcessCpu.usedUs(pid);
    var threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    long spin = 0;
    while (threads.getCurrentThreadCpuTime() - start < 300_000_000L) { // 300 ms of this thread's CPU
      spin += System.nanoTime() & 1;
    }
    long used = ProcessCpu.usedUs(pid) - before;
    // at least this thread's 300 ms, less one 10 ms tick of /proc's resolution at each reading
    assertThat(used).as("spin %d", spin).isGreaterThanOrEqualTo(280_000);
  }

  @Test
  void aProcessThatIsGoneHasNoFigure() {
    // A pid far above any kernel's pid_max (2^22) belongs to no process.
    assertThat(ProcessCpu.usedUs(99_999_999L)).isEqualTo(-1);
    assertThat(ProcessCpu.perRequestUs(-1, 5_000, 100, 8)).isNull();
    assertThat(ProcessCpu.perRequestUs(0, 5_000, 0, 8)).as("nothing answered").isNull();
    assertThat(ProcessCpu.perRequestUs(1_000_000, 9_000_000, 10_000, 8)).isEqualTo(100.0);
  }
}
