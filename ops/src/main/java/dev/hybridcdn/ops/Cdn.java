package dev.hybridcdn.ops;

import dev.hybridcdn.ops.bench.BenchCommand;
import dev.hybridcdn.ops.chaos.ChaosCommand;
import dev.hybridcdn.ops.demo.DemoCommand;
import dev.hybridcdn.ops.eval.EvalCommand;
import dev.hybridcdn.ops.processes.PsCommand;
import dev.hybridcdn.ops.replay.EventsCommand;
import dev.hybridcdn.ops.replay.ReplayCommand;
import dev.hybridcdn.ops.share.GetCommand;
import dev.hybridcdn.ops.share.ListCommand;
import dev.hybridcdn.ops.share.RetireCommand;
import dev.hybridcdn.ops.share.ShareCommand;
import dev.hybridcdn.ops.stack.IngestCommand;
import dev.hybridcdn.ops.stack.UpCommand;
import dev.hybridcdn.ops.swarm.SwarmCommand;
import dev.hybridcdn.ops.token.TokenCommand;
import dev.hybridcdn.servicekit.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cdn} command line (picocli). Exit codes: 0 done, 1 failure (message on stderr),
 * 2 invalid configuration or usage (the message names the variable or option), 3 the demo ran
 * but a check failed (failed requests, or history and players disagree).
 */
@Command(name = "cdn", mixinStandardHelpOptions = true, version = "hybrid-cdn 0.1.0", usageHelpWidth = 120,
    description = "hybrid-cdn operator tools: demo, local stack, swarm simulation, replay analysis, benchmarks.",
    commandListHeading = "%nCommands:%n",
    subcommands = {DemoCommand.class, EvalCommand.class, UpCommand.class, PsCommand.class, ChaosCommand.class, IngestCommand.class, SwarmCommand.class, ReplayCommand.class,
        EventsCommand.class, BenchCommand.class, ShareCommand.class, GetCommand.class, ListCommand.class, RetireCommand.class,
        TokenCommand.class})
public final class Cdn implements Callable<Integer> {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_CONFIG = 2;
  public static final int EXIT_CHECK = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    quietLogs();
    System.exit(run(args));
  }

  /** Runs the command line without exiting (for tests); returns the exit code. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Cdn());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
        cmd.getErr().println("cdn: " + e.getMessage());
        return EXIT_CONFIG;
      }
      cmd.getErr().println("cdn: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      if (System.getenv("CDN_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return EXIT_FAILURE;
    });
    // Options after a benchmark's name (--seconds 8, JMH's -wi 1) are the benchmark's arguments.
    cli.getSubcommands().get("bench").setUnmatchedOptionsArePositionalParams(true);
    return cli.execute(args);
  }

  /** Library logs at WARN (CDN_LOG_LEVEL overrides), Kafka's at ERROR: the report is the output. */
  static void quietLogs() {
    String level = System.getenv().getOrDefault("CDN_LOG_LEVEL", "warn");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.streams", "error");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }
}
