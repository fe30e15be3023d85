package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.eval.EvalCommand;
import dev.hybridcdn.ops.eval.EvalRender;
import dev.hybridcdn.ops.eval.EvalReport;
import dev.hybridcdn.ops.eval.ScaleRun;
import dev.hybridcdn.ops.stack.NetworkOption;
import dev.hybridcdn.servicekit.network.ShapedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cdn eval --scale 4} in process (seed 000 6.1.3, the quick version of the 1000-peer row): a real
 * stack under the shipped model with its shaping fronts in a child JVM, four hosted peers, each with a
 * player. Every player's segments arrive, the row is measured while they play (connections through the
 * fronts, memory, descriptors of both processes), and the child JVM is gone once the run ends.
 */
class ScaleIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  /** Segments each player plays in a scale run (ScaleRun: one song, 6 segments). */
  private static final int SEGMENTS_PER_PLAYER = 6;

  @Test
  void fourServingPeersAreMeasuredWithTheNetworkInAProcessOfItsOwn() throws Exception {
    Path data = Files.createTempDirectory("cdn-scale-it-");
    ScaleRun.Outcome out = ScaleRun.run(data, ROOT.resolve("media"), NetworkOption.shipped(), List.of(4),
        EvalCommand.quick(data, ROOT.resolve("media")).swarm(), System.err);
    System.err.println(EvalRender.text(new EvalReport(List.of(out.table()), Map.of(), Map.of(), Map.of())));

    assertThat(out.failures()).isZero();
    ScaleRun.Row row = out.rows().get(0);
    assertThat(row.peers()).isEqualTo(4);
    assertThat(row.segments()).as("every player's segments").isEqualTo(4 * SEGMENTS_PER_PLAYER);
    assertThat(row.connections()).as("node-to-node connections through the fronts").isPositive();
    assertThat(row.byLink()).contains("PEER->EDGE");
    assertThat(row.frontsOpenFiles()).as("descriptors of the fronts' own JVM").isPositive();
    assertThat(row.openFiles()).as("descriptors of this JVM").isPositive();
    assertThat(row.rssPerPeerMb()).as("the first count of a JVM has its RSS per peer").isNotNaN();
    assertThat(row.heapMb()).isPositive();
    assertThat(out.table().rows()).hasSize(1);

    assertThat(ShapedNetwork.installed()).as("the network is closed with the stack").isNull();
    assertThat(ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("FrontProcess")))
        .as("the fronts' JVM exited").isEmpty();
  }
}
