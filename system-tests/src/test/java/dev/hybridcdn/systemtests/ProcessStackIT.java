package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.ServiceProcess;
import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdn up --processes} as a user runs it (issue 18): a Kafka broker process, PostgreSQL and
 * Redis, then the origin, two edges, the tracker, the topology app and three peers, each its own
 * JVM from its runnable jar (packaged by the reactor before this module), on free ports. Every
 * process must be healthy, {@code stack.json} must list it with its pid and log, ten simulated
 * players must play through the peers with no failed request, and after {@code close()} (what
 * Ctrl-C runs) no process of the stack may be alive.
 */
class ProcessStackIT {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void theStackAsProcessesServesASwarmAndStopsEveryProcess(@TempDir Path tmp) throws Exception {
    List<Long> pids = new ArrayList<>();
    List<String> progress = new ArrayList<>();
    long t0 = System.nanoTime();
    try (ProcessStack stack = ProcessStack.start(new ProcessStack.Layout(ROOT, tmp, false, 3, 1, 15_000, "warn"),
        List.of(ROOT.resolve("media/manolo_camp-morning_coffee.mp3")), progress::add)) {
      long upMs = (System.nanoTime() - t0) / 1_000_000;
      StackFile file = StackFile.read(stack.stackFile()).orElseThrow();
      assertThat(file.processes()).extracting(ServiceProcess::kind).containsExactly("kafka", "postgres", "redis",
          "origin", "edge", "edge", "tracker", "topology", "peer", "peer", "peer");
      HttpClient http = StackEnv.clientBuilder(Duration.ofSeconds(5)).build();
      for (ServiceProcess p : file.processes()) {
        assertThat(p.pid()).as(p.name() + " pid").isPositive();
        assertThat(p.health(http)).as(p.name() + " health").isEqualTo("UP");
        pids.add(p.pid());
      }
      // Separate JVMs: no two services share a process, and none is this test's JVM.
      assertThat(pids).doesNotHaveDuplicates().doesNotContain(ProcessHandle.current().pid());

      List<PeerRef> peers = file.ofKind("peer").stream().map(p -> new PeerRef(p.name(), "unknown", p.url())).toList();
      SwarmOptions options = SwarmOptions.defaults().withPlayers(10).withSpeedup(20).withRamp(Duration.ofSeconds(3))
          .withSongs(1, 4).withDeadline(Duration.ofMinutes(2));
      Swarm.Result result;
      try (Swarm swarm = new Swarm(file.env().get("ORIGIN_URL"), new PeerDirectory(peers), null, options)) {
        result = swarm.run();
      }
      System.out.printf("ProcessStackIT: %d processes healthy in %d ms; %d player requests, %d failed%n",
          pids.size(), upMs, result.requests().size(), result.failures().size());
      assertThat(result.failures()).as("failed player requests").isEmpty();
      assertThat(result.requests()).as("segments, playlists and manifests the players asked for").hasSizeGreaterThan(40);
    }
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid + " after close").isEmpty();
    }
    assertThat(tmp.resolve("stack.json")).doesNotExist();
  }
}
