package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./cdn} launcher as a user runs it: the script at the repository root starting the
 * packaged {@code ops/target/ops.jar} with {@code benchmarks/target/benchmarks.jar} on the class path
 * (each jar's manifest class path pointing at its {@code target/lib}). {@code CDN_SKIP_BUILD=1} keeps
 * the script from building: this module depends on both, so the reactor packaged them first.
 */
class CdnScriptIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static String[] run(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("bash", ROOT.resolve("cdn").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
    pb.environment().put("CDN_SKIP_BUILD", "1");
    Path out = Files.createTempFile("cdn-out", ".txt");
    Path err = Files.createTempFile("cdn-err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("./cdn %s finished", String.join(" ", args)).isTrue();
    String[] r = {Integer.toString(p.exitValue()), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8)};
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }

  @Test
  void helpListsEveryCommand() throws Exception {
    assertThat(ROOT.resolve("ops/target/ops.jar")).isRegularFile();
    String[] r = run("--help");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("demo ", "up ", "ingest ", "swarm ", "replay ", "events ", "bench ");
  }

  @Test
  void benchListFindsTheModulesRunnersThroughTheJarsClassPath() throws Exception {
    String[] r = run("bench", "list");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("dev.hybridcdn.ops.bench.AnalysisBench", "dev.hybridcdn.tracker.bench.TrackerBench",
        "dev.hybridcdn.schemas.bench.SerdeBenchmark");
  }

  @Test
  void aBadOptionExitsTwoAndSaysWhy() throws Exception {
    String[] r = run("replay", "--from", "last tuesday");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--from");
  }
}
