package dev.hybridcdn.ops.bench;

import io.vertx.core.json.JsonObject;

/**
 * One measured line of {@code cdn bench compare}.
 *
 * @param comparison {@code serve}, {@code tracker} or {@code download}
 * @param round 1-based round
 * @param subject what ran, and its shape ({@code "aria2, 4 seeders -> 1 leecher"})
 * @param reference true for the other project's row the ratios of this comparison are taken against
 * @param value requests/s ({@code unit} {@code req/s}) or wall time in seconds ({@code s})
 * @param p99Ms 99th percentile latency, ms (wrk's), or null for downloads
 * @param ratio how many times the reference's speed: requests/s over the reference's, or for wall
 *     times the reference's wall time over this one's (above 1: faster); 1 for the reference itself
 * @param goal the goal for this row, or null
 * @param met whether the goal was met, or null without a goal
 * @param note what else the load generator saw (refused connections, timeouts), or null
 * @param cpuUsPerRequest the server's CPU time (user + system, its processes only) per answer, us, or
 *     null where not measured ({@link ProcessCpu})
 */
public record CompareRow(String comparison, int round, String subject, boolean reference, double value, String unit,
    Double p99Ms, double ratio, String goal, Boolean met, String note, Double cpuUsPerRequest) {

  /** A row without a CPU figure. */
  public CompareRow(String comparison, int round, String subject, boolean reference, double value, String unit,
      Double p99Ms, double ratio, String goal, Boolean met, String note) {
    this(comparison, round, subject, reference, value, unit, p99Ms, ratio, goal, met, note, null);
  }

  /** The row as JSON: every field by its name. */
  public JsonObject toJson() {
    return new JsonObject().put("comparison", comparison).put("round", round).put("subject", subject)
        .put("reference", reference).put("value", value).put("unit", unit).put("p99Ms", p99Ms).put("ratio", ratio)
        .put("goal", goal).put("met", met).put("note", note).put("cpuUsPerRequest", cpuUsPerRequest);
  }
}
