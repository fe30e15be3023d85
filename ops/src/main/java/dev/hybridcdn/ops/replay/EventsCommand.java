package dev.hybridcdn.ops.replay;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cdn events}: the parent of {@code events tail}; alone it prints its usage. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Print events of a topic as JSON lines (events tail TOPIC).", usageHelpWidth = 120,
    subcommands = {TailCommand.class})
public final class EventsCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }
}
