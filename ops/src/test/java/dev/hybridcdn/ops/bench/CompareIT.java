package dev.hybridcdn.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hybridcdn.ops.Cdn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cdn bench compare --quick --json} in process (issue 19 item 4): its own stack, nginx,
 * opentracker, aria2 swarms and wrk; every row of the three comparisons is there with positive figures,
 * and each ratio and goal verdict follows from the figures printed. No timing threshold: the machine
 * is shared. Needs nginx, wrk, opentracker, aria2c and mktorrent ({@code .ci/run} installs them);
 * skipped without them, except under {@code CI=true}, where it fails.
 */
class CompareIT {
  private static final Map<String, List<String>> SUBJECTS = Map.of(
      "serve", List.of("nginx, static file", ServeComparison.FLOOR, "edge, hot segment (HIT-MEMORY)",
          "peer, cached segment (player, local hit)"),
      "tracker", List.of("opentracker, announce", "tracker, lookup (GET holders)"),
      "download", List.of("aria2, 4 seeders -> 1 leecher", "cdn get, 4 holders -> 1 peer",
          "aria2, 1 seeder -> 4 leechers", "cdn get, 1 holder -> 4 peers"));

  @Test
  void quickRunHasEveryRowWithPositiveFiguresAndRatiosFromThem() throws Exception {
    List<String> missing = ExternalTools.missing("nginx", "wrk", "opentracker", "aria2c", "mktorrent");
    if (!missing.isEmpty()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("not installed under CI: " + missing + " (.ci/run installs them)");
      }
      assumeTrue(false, "not installed: " + missing);
    }
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = Cdn.run("bench", "compare", "--quick", "--json", "--media", "../media");
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    assertThat(exit).isZero();
    JsonObject report = new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertThat(report.getJsonObject("skipped")).isEmpty();
    assertThat(report.getJsonObject("setup").getString("network")).isEqualTo("loopback, no shaping");
    JsonArray rows = report.getJsonArray("rows");
    for (Map.Entry<String, List<String>> c : SUBJECTS.entrySet()) {
      List<JsonObject> mine = new ArrayList<>();
      rows.forEach(o -> {
        if (((JsonObject) o).getString("comparison").equals(c.getKey())) {
          mine.add((JsonObject) o);
        }
      });
      assertThat(mine).extracting(r -> r.getString("subject")).containsExactlyElementsOf(c.getValue());
      JsonObject reference = null;
      for (JsonObject r : mine) {
        assertThat(r.getInteger("round")).isEqualTo(1);
        assertThat(r.getDouble("value")).as(r.getString("subject")).isPositive();
        if (c.getKey().equals("serve")) {
          // what one answer cost each server's own processes (nginx's master and worker, each JVM)
          assertThat(r.getDouble("cpuUsPerRequest")).as("CPU per answer of " + r.getString("subject")).isPositive();
        }
        if (r.getBoolean("reference")) {
          reference = r;
          assertThat(r.getDouble("ratio")).isEqualTo(1.0);
          continue;
        }
        assertThat(reference).as("a reference row before " + r.getString("subject")).isNotNull();
        if (r.getString("unit").equals("s")) {
          // wall times: how many times faster than the reference
          assertThat(r.getDouble("ratio")).isCloseTo(reference.getDouble("value") / r.getDouble("value"),
              within(0.01));
        } else {
          assertThat(r.getDouble("p99Ms")).isPositive();
          assertThat(reference.getDouble("p99Ms")).isPositive();
          double ratio = r.getDouble("value") / reference.getDouble("value");
          assertThat(r.getDouble("ratio")).isCloseTo(ratio, within(1e-6));
          if (r.getString("subject").equals(ServeComparison.FLOOR)) {
            assertThat(r.getValue("met")).as("the floor is measured, not held to a goal").isNull();
            continue;
          }
          double wanted = c.getKey().equals("tracker") ? 2.0 : r.getString("subject").startsWith("edge") ? 0.9 : 1.0;
          double p99Bound = c.getKey().equals("tracker") ? 5.0 : 2 * reference.getDouble("p99Ms");
          assertThat(r.getBoolean("met")).as("verdict of " + r.getString("subject"))
              .isEqualTo(ratio >= wanted && r.getDouble("p99Ms") <= p99Bound);
        }
      }
    }
  }
}
