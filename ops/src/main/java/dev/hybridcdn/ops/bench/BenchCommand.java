package dev.hybridcdn.ops.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cdn bench list | NAME [ARGS]}: the benchmarks found on the class path ({@link BenchRunner}).
 * Options after NAME ({@code --seconds 8}, JMH's {@code -wi 1}) belong to the benchmark.
 * {@code cdn bench compare} is a subcommand of its own ({@link CompareCommand}): the side-by-side run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = CompareCommand.class,
    description = "Run a module's benchmark: cdn bench list | cdn bench NAME [ARGS...] | cdn bench compare [OPTIONS].",
    usageHelpWidth = 120)
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "list, or a benchmark's class name.", defaultValue = "list")
  String name;
  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments of the benchmark.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (name.equals("list")) {
      BenchRunner.list().forEach(System.out::println);
      return 0;
    }
    BenchRunner.run(name, args.toArray(new String[0]));
    return 0;
  }
}
