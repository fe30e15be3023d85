package dev.hybridcdn.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.bench.BenchRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code cdn bench} with this module on the class path, as the launcher runs it. */
class CdnBenchTest {
  private static String[] captured(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = Cdn.run(args);
      return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void benchListsEveryModulesBenchmark() {
    assertThat(BenchRunner.list()).containsExactly(
        "dev.hybridcdn.edge.bench.EdgeHotPathBench",
        "dev.hybridcdn.edge.bench.HotTierBench",
        "dev.hybridcdn.edge.bench.PlayerTokenBench",
        "dev.hybridcdn.ops.bench.AnalysisBench",
        "dev.hybridcdn.origin.bench.OriginBench",
        "dev.hybridcdn.peer.bench.MultiSourceBench",
        "dev.hybridcdn.peer.bench.PeerBench",
        "dev.hybridcdn.peer.bench.PeerHotPathBench",
        "dev.hybridcdn.schemas.bench.SerdeBenchmark",
        "dev.hybridcdn.topology.bench.PathHttpBench",
        "dev.hybridcdn.topology.bench.PathQueryBench",
        "dev.hybridcdn.tracker.bench.EventVerifyBench", "dev.hybridcdn.tracker.bench.TrackerBench");
    String[] r = captured("bench", "list");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("dev.hybridcdn.tracker.bench.TrackerBench");
  }

  @Test
  void benchRunsOneByItsSimpleNameAndRejectsAnUnknownName() {
    String[] r = captured("bench", "AnalysisBench", "2000", "1");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("events/s");
    r = captured("bench", "NoSuchBench");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("no benchmark named NoSuchBench");
  }
}
