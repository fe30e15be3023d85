package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.eval.EvalCommand;
import dev.hybridcdn.ops.eval.EvalRender;
import dev.hybridcdn.ops.eval.EvalReport;
import dev.hybridcdn.ops.eval.PartitionRun;
import dev.hybridcdn.ops.stack.NetworkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cdn eval --partitions 2} in process (seed 000 6.2.2): a real stack under the shipped model, two
 * peers cut off from every other node and healed. The tracker and the topology must notice no sooner than
 * the tracker's TTL after the peer's last heartbeat (15 s in the local stack, heartbeats every 2 s: no
 * false alarm from a few missed heartbeats) and within a few TTLs, no lookup may name a cut-off peer once
 * noticed, and after healing both are listed again with exactly the holdings their caches have.
 */
class PartitionIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final double TTL_MS = 15_000;
  /** The last heartbeat before the cut came up to one period (peer-vertx HEARTBEAT_MS, 2 s) earlier. */
  private static final double EARLIEST_MS = TTL_MS - 2_000;

  @Test
  void aPartitionIsDetectedAfterTheTtlAndHealsWithConsistentHoldings() throws Exception {
    Path data = Files.createTempDirectory("cdn-partition-it-");
    PartitionRun.Outcome out = PartitionRun.run(data, ROOT.resolve("media"), NetworkOption.shipped(), List.of(2),
        EvalCommand.quick(data, ROOT.resolve("media")).swarm(), System.err);
    System.err.println(EvalRender.text(new EvalReport(List.of(out.table()), Map.of(), Map.of(), Map.of())));

    assertThat(out.failures()).isZero();
    PartitionRun.Row row = out.rows().get(0);
    assertThat(row.detectedTrackerMs()).hasSize(2).allSatisfy(ms -> assertThat(ms).isBetween(EARLIEST_MS, 4 * TTL_MS));
    assertThat(row.detectedTopologyMs()).hasSize(2).allSatisfy(ms -> assertThat(ms).isBetween(EARLIEST_MS, 4 * TTL_MS));
    assertThat(row.lookups()).isPositive();
    assertThat(row.staleLookups()).isZero();
    assertThat(row.rejoinedMs()).hasSize(2);
  }
}
