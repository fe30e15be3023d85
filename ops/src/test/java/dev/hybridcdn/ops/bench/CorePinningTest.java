package dev.hybridcdn.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The affinity list read back from {@code taskset -p -c}, and what the off setting leaves alone. */
class CorePinningTest {
  @Test
  void readsTasksetsAffinityListWithRanges() {
    assertThat(CorePinning.cpus("pid 42's current affinity list: 0,1\n")).containsExactly(0, 1);
    assertThat(CorePinning.cpus("pid 42's current affinity list: 0,2-4,7")).containsExactly(0, 2, 3, 4, 7);
    assertThat(CorePinning.cpus("pid 7's current affinity list: 3")).containsExactly(3);
    assertThatThrownBy(() -> CorePinning.cpus("taskset: failed to get pid 1's affinity"))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void offLeavesCommandsAsTheyAre() {
    CorePinning off = CorePinning.off();
    assertThat(off.enabled()).isFalse();
    assertThat(off.onLoadCore(List.of("wrk", "-t1"))).containsExactly("wrk", "-t1");
    assertThat(off.onServerCores(List.of("nginx"))).containsExactly("nginx");
  }

  @Test
  void pinnedCommandsGoThroughTasksetOnTheirCores() {
    CorePinning pinning = CorePinning.detect();
    assumeTrue(pinning.enabled(), "one CPU or no taskset: nothing to pin");
    assertThat(pinning.onLoadCore(List.of("wrk"))).startsWith("taskset", "-c").endsWith("wrk");
    assertThat(pinning.onServerCores(List.of("nginx")).get(2)).isNotEqualTo(pinning.onLoadCore(List.of("wrk")).get(2));
    assertThat(pinning.serverCores()).isEqualTo(Runtime.getRuntime().availableProcessors() - 1);
  }
}
