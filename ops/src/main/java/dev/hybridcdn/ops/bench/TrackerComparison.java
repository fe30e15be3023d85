package dev.hybridcdn.ops.bench;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The {@code tracker} comparison of {@link Compare}: opentracker answering announces vs our tracker
 * answering lookups ({@code GET /segments/{id}/peers}, TrackerBench's request), both asking for
 * {@value #PEERS_WANTED} peers, on the small index the run holds. Its figures are wrk's (requests per
 * second, p99), each server under 1000 requests drawn with a fixed seed ({@link Wrk#pathsScript}).
 */
final class TrackerComparison {
  /** Peers asked for in an announce ({@code numwant}) and a lookup ({@code limit}). */
  static final int PEERS_WANTED = 10;

  private final CompareRun run;

  TrackerComparison(CompareRun run) {
    this.run = run;
  }

  record TrackerSide(String openTrackerUrl, Path announces, String trackerUrl, Path lookups) {}

  TrackerSide setup(String tracker, Manifest.Rendition rendition, OpenTracker openTracker) throws Exception {
    Random random = new Random(19);
    List<String> announces = OpenTracker.announceLoad(1000, PEERS_WANTED, random);
    List<String> lookups = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Manifest.Segment s = rendition.segments().get(random.nextInt(rendition.segments().size()));
      lookups.add(CdnPaths.segment(s.segmentId()) + "/peers?exclude=compare-" + random.nextInt(1_000_000) + "&limit="
          + PEERS_WANTED);
    }
    Path dir = run.options.workDir().resolve("wrk");
    Files.createDirectories(dir);
    run.setup.put("tracker", String.format(java.util.Locale.ROOT, "opentracker announces (16 swarms, numwant %d, "
        + "no keep-alive) vs tracker lookups (GET holders of one of %d segments, %d holders each, limit %d);"
        + " wrk -t1 -c%d -d%ds", PEERS_WANTED, rendition.segments().size(), Compare.HOLDERS, PEERS_WANTED,
        run.options.connections(), run.options.seconds()));
    return new TrackerSide(openTracker.url() + "/", Wrk.pathsScript(dir, "announces", announces), tracker + "/",
        Wrk.pathsScript(dir, "lookups", lookups));
  }

  List<CompareRow> round(int round, TrackerSide s) throws Exception {
    Wrk.Result o = run.wrk(s.openTrackerUrl(), s.announces());
    Wrk.Result t = run.wrk(s.trackerUrl(), s.lookups());
    return List.of(
        new CompareRow("tracker", round, "opentracker, announce", true, o.requestsPerSecond(), "req/s", o.p99Ms(),
            1.0, null, null, o.trouble()),
        new CompareRow("tracker", round, "tracker, lookup (GET holders)", false, t.requestsPerSecond(), "req/s",
            t.p99Ms(), t.requestsPerSecond() / o.requestsPerSecond(),
            ">= 2x opentracker, p99 <= 5 ms (issue: at 10k peers x 20k segments)",
            t.requestsPerSecond() >= 2 * o.requestsPerSecond() && t.p99Ms() <= 5, t.trouble()));
  }
}
