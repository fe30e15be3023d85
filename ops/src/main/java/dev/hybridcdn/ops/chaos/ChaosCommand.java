package dev.hybridcdn.ops.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.PsCommand;
import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.stack.MediaFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdn chaos}: fault scenarios against a running {@code cdn up --processes} stack (or one it
 * starts itself on the default ports and stops afterwards) while simulated players play; one table.
 * Exit 0 when no player request failed in any scenario, 3 otherwise.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Kill, stop and pause the processes of a `cdn up --processes` stack while players play; one table.")
public final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--players", description = "Simulated players per scenario (default 20).")
  int players = 20;
  @Option(names = "--speedup", description = "Playback speed-up (default 10).")
  double speedup = 10;
  @Option(names = "--seed", description = "Random seed of songs, peers and victims (default 42).")
  long seed = 42;
  @Option(names = "--scenario", split = ",", paramLabel = "NAME",
      description = "Scenarios to run, in order (default all): peer-kill, peers-10pct, peers-50pct, edge-kill, "
          + "origin-stop, tracker-kill, kafka-outage, peer-pause, reingest.")
  List<String> scenarios;
  @Option(names = "--json", description = "The table as a JSON array.")
  boolean json;
  @Option(names = "--peers", description = "Peers of the stack chaos starts when none runs (default 10).")
  int peers = 10;
  @Option(names = "--trackers", description = "Tracker instances of the stack chaos starts when none runs (default 2).")
  int trackers = 2;

  @Override
  public Integer call() throws Exception {
    List<Scenario> which = scenarios == null ? Arrays.asList(Scenario.values())
        : scenarios.stream().map(String::strip).map(Scenario::of).toList();
    if (players < 1) {
      throw new IllegalArgumentException("--players must be at least 1");
    }
    PrintStream err = System.err;
    Path file = PsCommand.defaultFile();
    ProcessStack own = null;
    boolean running = StackFile.read(file).map(f -> ProcessHandle.of(f.supervisorPid()).isPresent()).orElse(false);
    if (!running) {
      err.println("• no cdn up --processes stack runs: starting one (" + peers + " peers, " + trackers + " trackers)");
      own = ProcessStack.start(new ProcessStack.Layout(StackEnv.home(), StackEnv.ensureDir(), true, peers, trackers,
          15_000, System.getenv().getOrDefault("CDN_LOG_LEVEL", "warn")), MediaFiles.list(StackEnv.media()),
          line -> err.println("• " + line));
      StackEnv.write(own.env());
    }
    ProcessStack started = own;
    // Ctrl-C while the scenarios run stops the stack chaos started, as cdn up would.
    Thread stopper = new Thread(() -> stop(started), "chaos-shutdown");
    Runtime.getRuntime().addShutdownHook(stopper);
    List<ChaosRow> rows;
    try {
      rows = new Chaos(file, StackEnv.media(), new Chaos.Options(players, speedup, seed), line -> err.println("• " + line))
          .run(which);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
        stop(started);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook stops the stack
      }
    }
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(rows));
    } else {
      print(rows, System.out);
    }
    return rows.stream().allMatch(r -> r.failed() == 0) ? 0 : Cdn.EXIT_CHECK;
  }

  private static void stop(ProcessStack own) {
    if (own != null) {
      StackEnv.clear();
      own.close();
    }
  }

  /** The table: one line per scenario, then each scenario's note. */
  static void print(List<ChaosRow> rows, PrintStream out) {
    out.printf("%-13s %9s %7s %5s %9s %8s %9s %12s %10s%n", "SCENARIO", "REQUESTS", "FAILED", "503", "FAILOVERS",
        "STALL s", "SEGMENTS", "EVENTS LOST", "RECOVERY s");
    for (ChaosRow r : rows) {
      out.printf(Locale.ROOT, "%-13s %9d %7d %5d %9d %8.1f %9d %12d %10s%n", r.scenario(), r.requests(), r.failed(),
          r.failed503(), r.failovers(), r.stallSeconds(), r.segments(), r.eventsLost(),
          r.recoverySeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", r.recoverySeconds()));
    }
    out.println();
    rows.forEach(r -> out.println(r.scenario() + ": " + r.note()));
  }
}
