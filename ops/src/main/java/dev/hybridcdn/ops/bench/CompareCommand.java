package dev.hybridcdn.ops.bench;

import dev.hybridcdn.ops.StackEnv;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdn bench compare}: this project's edge, peer, tracker and multi-source download next to
 * nginx, opentracker and aria2 in one run ({@link Compare}); one table per comparison and round on
 * stdout (or one JSON object with {@code --json}), progress on stderr. Exit 0 when every comparison
 * that could run ran (goals met or not), 1 when something failed.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "This project's edge, peer, tracker and multi-source download next to nginx, opentracker and"
        + " aria2, interleaved in one run (issue 19).")
public final class CompareCommand implements Callable<Integer> {
  @Option(names = "--rounds", description = "Interleaved rounds (default 3; --quick: 1).")
  Integer rounds;
  @Option(names = "--duration", paramLabel = "S", description = "wrk's seconds per server and round (default 8; --quick: 2).")
  Integer duration;
  @Option(names = "--connections", paramLabel = "C", description = "wrk's connections, one thread (default 32).")
  int connections = 32;
  @Option(names = "--file-mib", paramLabel = "MIB", description = "Size of the downloaded file (default 50; --quick: 4).")
  Integer fileMib;
  @Option(names = "--quick", description = "1 round, 2 s per server, a 4 MiB file: every row in about a minute.")
  boolean quick;
  @Option(names = "--json", description = "One JSON object: setup, skipped, rows.")
  boolean json;
  @Option(names = "--media", paramLabel = "DIR", description = "Audio to ingest, the shortest file (default: media/ of CDN_HOME).")
  Path media;
  @Option(names = "--only", split = ",", paramLabel = "NAME", description = "Comparisons to run: serve, tracker, download (default all).")
  List<String> only;
  @Option(names = "--pin", description = "wrk on CPU 0, the server under test on the others (taskset), a short"
      + " unreported wrk run before each measured one (ops README \"Core pinning\"; default: every process on any core).")
  boolean pin;

  @Override
  public Integer call() throws Exception {
    Set<String> selected = new LinkedHashSet<>(only == null ? Compare.COMPARISONS : only);
    for (String s : selected) {
      if (!Compare.COMPARISONS.contains(s)) {
        throw new IllegalArgumentException("--only: unknown comparison " + s + "; known: " + Compare.COMPARISONS);
      }
    }
    int r = rounds != null ? rounds : quick ? 1 : 3;
    int d = duration != null ? duration : quick ? 2 : 8;
    int mib = fileMib != null ? fileMib : quick ? 4 : 50;
    if (r < 1 || d < 1 || connections < 1 || mib < 1 || mib > 1024) {
      throw new IllegalArgumentException("--rounds, --duration and --connections must be positive, --file-mib 1 to 1024");
    }
    Path work = Files.createTempDirectory("cdn-compare-");
    PrintStream out = System.out;
    PrintStream err = System.err;
    try {
      Compare compare = new Compare(new Compare.Options(r, d, connections, (long) mib << 20, selected,
          media != null ? media : StackEnv.media(), work, pin), line -> err.println("• " + line), rows -> {
            if (!json) {
              out.print(table(rows));
              out.flush();
            }
          });
      Compare.Report report = compare.run();
      if (json) {
        out.println(report.toJson().encode());
      } else {
        report.setup().forEach((k, v) -> out.println(k + ": " + v));
        report.skipped().forEach((k, v) -> out.println("skipped " + k + ": " + v));
      }
    } finally {
      Compare.deleteTree(work);
    }
    return 0;
  }

  /** One comparison of one round as a text table: figures, ratio against its reference, goal. */
  static String table(List<CompareRow> rows) {
    if (rows.isEmpty()) {
      return "";
    }
    CompareRow first = rows.get(0);
    boolean wall = first.unit().equals("s");
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%nround %d, %s%n", first.round(), first.comparison()));
    boolean cpu = rows.stream().anyMatch(r -> r.cpuUsPerRequest() != null);
    s.append(String.format(Locale.ROOT, "  %-42s %12s %9s %9s%s  %s%n", "", wall ? "wall s" : "requests/s",
        wall ? "" : "p99 ms", wall ? "speed" : "ratio", cpu ? String.format(Locale.ROOT, " %12s", "CPU us/req") : "",
        "goal"));
    CompareRow reference = null;
    for (CompareRow row : rows) {
      if (row.reference()) {
        reference = row;
      }
      String value = wall ? String.format(Locale.ROOT, "%.2f", row.value())
          : String.format(Locale.ROOT, "%,.0f", row.value());
      String p99 = row.p99Ms() == null ? "" : String.format(Locale.ROOT, "%.2f", row.p99Ms());
      String ratio = String.format(Locale.ROOT, "%.2fx", row.ratio());
      String goal = row.goal() == null ? (row.reference() ? "(reference)"
          : "vs " + (reference == null ? "?" : reference.subject()))
          : row.goal() + ": " + (Boolean.TRUE.equals(row.met()) ? "met" : "not met");
      if (row.note() != null) {
        goal = goal + " [" + row.note() + "]";
      }
      String cpuUs = !cpu ? "" : String.format(Locale.ROOT, " %12s",
          row.cpuUsPerRequest() == null ? "-" : String.format(Locale.ROOT, "%.1f", row.cpuUsPerRequest()));
      s.append(String.format(Locale.ROOT, "  %-42s %12s %9s %9s%s  %s%n", row.subject(), value, p99, ratio, cpuUs,
          goal));
    }
    return s.toString();
  }
}
