package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.chaos.Chaos;
import dev.hybridcdn.ops.chaos.ChaosRow;
import dev.hybridcdn.ops.chaos.Scenario;
import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.ServiceProcess;
import dev.hybridcdn.ops.processes.StackFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdn chaos} (issue 12, item 9) on a stack of real processes ({@link ProcessStack} on free
 * ports: a Kafka broker process, origin, two edges, tracker, topology, four peer JVMs): two of its
 * scenarios while six simulated players play. A peer players are using is killed with
 * {@code kill -9} and the busiest edge is killed with {@code kill -9}; both are started again. No
 * player request may fail (players fail over along their steering pathways, peers to the other
 * edge), the restarted processes must run under new pids recorded in {@code stack.json} and serve
 * again, and with the edge gone no delivery event may be lost (the peers' events, read back from
 * Kafka, equal the players' segments).
 */
class ChaosIT {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void aKilledPeerAndAKilledEdgeCostNoPlayerRequest(@TempDir Path tmp) throws Exception {
    try (ProcessStack stack = ProcessStack.start(new ProcessStack.Layout(ROOT, tmp, false, 4, 1, 15_000, "warn"),
        List.of(ROOT.resolve("media/manolo_camp-morning_coffee.mp3")), line -> { })) {
      StackFile before = StackFile.read(stack.stackFile()).orElseThrow();
      List<ChaosRow> rows = new Chaos(stack.stackFile(), ROOT.resolve("media"), new Chaos.Options(6, 10, 7),
          System.out::println).run(List.of(Scenario.PEER_KILL, Scenario.EDGE_KILL));
      Map<String, ChaosRow> byName = rows.stream().collect(Collectors.toMap(ChaosRow::scenario, Function.identity()));
      rows.forEach(r -> System.out.println("ChaosIT: " + r));

      for (ChaosRow r : rows) {
        assertThat(r.segments()).as(r.scenario() + " segments played").isGreaterThan(20);
        assertThat(r.failed()).as(r.scenario() + " failed player requests: " + r.note()).isZero();
        assertThat(r.recoverySeconds()).as(r.scenario() + " recovery, s").isBetween(0.0, 90.0);
      }
      assertThat(byName.get("edge-kill").eventsLost()).as("delivery events lost with an edge killed").isZero();

      StackFile after = StackFile.read(stack.stackFile()).orElseThrow();
      long restarted = after.processes().stream()
          .filter(p -> before.process(p.name()).map(ServiceProcess::pid).orElse(0L) != p.pid()).count();
      assertThat(restarted).as("processes started again under a new pid (one peer, one edge)").isEqualTo(2);
      assertThat(after.processes()).allSatisfy(p -> assertThat(p.alive()).as(p.name() + " alive").isTrue());
    }
  }
}
