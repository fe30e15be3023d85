package dev.hybridcdn.tracker.bench;

import dev.hybridcdn.ops.bench.ExternalTools;
import dev.hybridcdn.ops.bench.OpenTracker;
import dev.hybridcdn.ops.bench.Wrk;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * {@link TrackerBench}'s reference for issue 19's lookup goal (at least 2x opentracker's announces, p99 at
 * most 5 ms) at the bench's own index: opentracker as a process of its own, under the announce load
 * {@code cdn bench compare} gives it ({@link OpenTracker#announceLoad}, the same {@code wrk -t1} shape), one
 * round before each lookup round.
 *
 * @param script the announce load as a wrk script
 * @param connections wrk's connections
 */
record OpenTrackerRounds(OpenTracker openTracker, Path script, int connections) implements AutoCloseable {

  /**
   * {@code opentracker=true|false}; by default true where opentracker is installed.
   *
   * @throws IllegalArgumentException for {@code opentracker=true} where it is not installed
   */
  static boolean wanted(Map<String, String> args) {
    boolean installed = ExternalTools.find("opentracker") != null;
    boolean wanted = Boolean.parseBoolean(args.getOrDefault("opentracker", Boolean.toString(installed)));
    if (wanted && !installed) {
      throw new IllegalArgumentException("opentracker=true, but opentracker is not installed");
    }
    return wanted;
  }

  /**
   * opentracker on a free loopback port, tracking the announce load's swarms, its files under {@code dir}.
   *
   * @param numwant peers each announce asks for (the lookups' {@code limit})
   */
  static OpenTrackerRounds start(Path dir, int connections, int numwant) throws Exception {
    int port;
    try (OpenTracker.PortHold hold = OpenTracker.PortHold.take()) {
      port = hold.port();
    }
    OpenTracker openTracker = OpenTracker.start(dir.resolve("opentracker"), port, OpenTracker.loadHashes());
    Path script = Wrk.pathsScript(dir, "announces", OpenTracker.announceLoad(1000, numwant, new Random(19)));
    return new OpenTrackerRounds(openTracker, script, connections);
  }

  /**
   * One round of announces from wrk: an unreported warm-up run, then the measured one. opentracker closes
   * the connection after every answer: wrk's read errors are its reconnections, not failures.
   */
  Wrk.Result round(int warmupSeconds, int seconds) throws Exception {
    String url = openTracker.url() + "/";
    Wrk.run(url, 1, connections, warmupSeconds, null, script);
    Wrk.Result r = Wrk.run(url, 1, connections, seconds, null, script);
    System.out.printf("opentracker announces: %.0f/s over %d connections (wrk -t1), p99 %.2f ms%n",
        r.requestsPerSecond(), connections, r.p99Ms());
    return r;
  }

  /** Prints the lookups' ratio to the announces of the same round, with the goal's verdict. */
  static void printRatio(Wrk.Result lookups, Wrk.Result announces) {
    double ratio = lookups.requestsPerSecond() / announces.requestsPerSecond();
    System.out.printf("  lookups / opentracker announces: %.2fx, p99 %.2f ms (goal >= 2x, p99 <= 5 ms: %s)%n",
        ratio, lookups.p99Ms(), ratio >= 2 && lookups.p99Ms() <= 5 ? "met" : "not met");
  }

  @Override
  public void close() {
    openTracker.close(); // a process of its own
  }
}
