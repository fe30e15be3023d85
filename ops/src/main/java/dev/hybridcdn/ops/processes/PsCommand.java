package dev.hybridcdn.ops.processes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hybridcdn.ops.Cdn;
import dev.hybridcdn.ops.StackEnv;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdn ps}: the processes of a running {@code cdn up --processes} stack, from
 * {@code .cdn/stack.json}, each with its pid, port, health now and resident memory. Exit 0 when every
 * process is up, 3 when one is not, 1 when no stack runs.
 */
@Command(name = "ps", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "List the processes of a running `cdn up --processes` stack: pid, port, health, memory.")
public final class PsCommand implements Callable<Integer> {
  @Option(names = "--json", description = "One JSON object: processes and totals.")
  boolean json;
  @Option(names = "--state", paramLabel = "FILE", description = "The stack file (default .cdn/stack.json).")
  Path state;

  /** {@code <home>/.cdn/stack.json}. */
  public static Path defaultFile() {
    return StackEnv.home().resolve(".cdn").resolve("stack.json");
  }

  @Override
  public Integer call() {
    Path f = state != null ? state : defaultFile();
    StackFile stack = StackFile.read(f).orElse(null);
    if (stack == null) {
      System.err.println("cdn: no stack running (no " + f + "): start one with ./cdn up --processes");
      return Cdn.EXIT_FAILURE;
    }
    List<Row> rows = rows(stack);
    if (json) {
      System.out.println(toJson(stack, rows));
    } else {
      print(rows, System.out);
    }
    return rows.stream().allMatch(r -> r.health().equals("UP")) ? 0 : Cdn.EXIT_CHECK;
  }

  /** One line of the table. */
  record Row(ServiceProcess process, String health, long rssBytes) {}

  static List<Row> rows(StackFile stack) {
    HttpClient client = StackEnv.httpClient(Duration.ofSeconds(1));
    List<Row> rows = new ArrayList<>();
    for (ServiceProcess p : stack.processes()) {
      rows.add(new Row(p, p.health(client), p.alive() ? ProcessMemory.treeRssBytes(p.pid()) : 0));
    }
    return rows;
  }

  /** Prints the table of a stack (health checked now). */
  public static void print(StackFile stack, PrintStream out) {
    print(rows(stack), out);
  }

  static void print(List<Row> rows, PrintStream out) {
    out.printf("%-12s %-9s %8s %6s %-18s %9s  %s%n", "NAME", "KIND", "PID", "PORT", "HEALTH", "RSS MiB", "URL / LOG");
    long total = 0;
    for (Row r : rows) {
      ServiceProcess p = r.process();
      total += r.rssBytes();
      out.printf(Locale.ROOT, "%-12s %-9s %8d %6d %-18s %9.1f  %s%n", p.name(), p.kind(), p.pid(), p.port(), r.health(),
          r.rssBytes() / 1048576.0, p.http() ? p.url() + "  " + p.log() : p.log());
    }
    out.printf(Locale.ROOT, "%d processes, %d up, %.1f MiB resident in all%n", rows.size(),
        rows.stream().filter(r -> r.health().equals("UP")).count(), total / 1048576.0);
  }

  private static String toJson(StackFile stack, List<Row> rows) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("supervisorPid", stack.supervisorPid());
    root.put("startedAt", stack.startedAt());
    ArrayNode list = root.putArray("processes");
    long total = 0;
    for (Row r : rows) {
      ServiceProcess p = r.process();
      total += r.rssBytes();
      list.addObject().put("name", p.name()).put("kind", p.kind()).put("pid", p.pid()).put("port", p.port())
          .put("url", p.url()).put("health", r.health()).put("rssBytes", r.rssBytes()).put("log", p.log());
    }
    root.put("rssBytes", total);
    return root.toString();
  }
}
