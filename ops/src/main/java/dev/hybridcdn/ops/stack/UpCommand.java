package dev.hybridcdn.ops.stack;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.kafka.registry.ApicurioRegistry;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.demo.Demo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdn up}: the local stack on the default ports until Ctrl-C; {@code .cdn/stack.env} for the other commands. */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the local stack on the default ports; stay up until Ctrl-C.", usageHelpWidth = 120)
public final class UpCommand implements Callable<Integer> {
  /** Port of the schema registry with {@code --registry} (Apicurio's own default 8080 is often taken). */
  public static final int REGISTRY_PORT = 8085;
  @Option(names = "--peers", description = "Peers to start from port 9000 (default 5).")
  int peers = 5;
  @Option(names = "--trackers", description = "Tracker instances, ports 7070, 7071, ... (default 1); peers get "
      + "every URL and fail over between them.")
  int trackers = 1;
  @Option(names = "--no-ingest", description = "Do not ingest the shipped tracks.")
  boolean noIngest;
  @Option(names = "--registry", description = "Registry mode: start Apicurio Registry " + ApicurioRegistry.VERSION
      + " on :" + REGISTRY_PORT + " (fetched from Maven Central by mvn once, unpacked into .cdn/cache) and give every "
      + "service SCHEMA_REGISTRY_URL: "
      + "events in the Confluent wire format, BACKWARD compatibility enforced.")
  boolean registry;
  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data of the embedded servers (default .cdn/data, wiped at start).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path data = dataDir != null ? dataDir : StackEnv.ensureDir().resolve("data");
    Demo.deleteTreeQuietly(data);
    PrintStream err = System.err;
    if (trackers < 1 || trackers > StackOptions.MAX_TRACKERS) {
      err.println("--trackers must be 1 to " + StackOptions.MAX_TRACKERS);
      return 2;
    }
    StackOptions options = StackOptions.of(data, true).withTrackers(trackers);
    ApicurioRegistry schemaRegistry = null;
    if (registry) {
      err.println("• schema registry: Apicurio Registry " + ApicurioRegistry.VERSION + " (" + ApicurioRegistry.ARTIFACT + ")");
      Path home = ApicurioRegistry.install(StackEnv.ensureDir().resolve("cache"));
      schemaRegistry = ApicurioRegistry.start(home, REGISTRY_PORT, StackEnv.ensureDir().resolve("registry.log"));
      err.println("• schema registry at " + schemaRegistry.url() + " (BACKWARD compatibility; log .cdn/registry.log)");
      options = options.withSchemaRegistry(schemaRegistry.url());
    }
    LocalStack stack;
    try {
      stack = LocalStack.start(options, line -> err.println("• " + line));
    } catch (RuntimeException e) {
      if (schemaRegistry != null) {
        schemaRegistry.close();
      }
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    ApicurioRegistry started = schemaRegistry;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("• stopping");
      StackEnv.clear();
      stack.close();
      if (started != null) {
        started.close();
      }
      stopped.countDown();
    }, "up-shutdown"));
    List<String> songs = new ArrayList<>();
    if (!noIngest) {
      stack.ingest(MediaFiles.list(StackEnv.media()), line -> err.println("• " + line))
          .forEach(r -> songs.add(r.manifest().songId()));
    }
    Delivery d = stack.startDelivery("", peers, true);
    StackEnv.write(stack.env());
    err.println();
    err.println("Stack up (Ctrl-C or SIGTERM stops it). Variables for other commands are in " + StackEnv.file());
    stack.env().forEach((k, v) -> err.printf("  %-24s %s%n", k, v));
    if (!songs.isEmpty() && !d.peers().isEmpty()) {
      err.printf("%nPlay through a peer:  ffplay %s%s%n", d.peers().get(0).baseUrl(), CdnPaths.master(songs.get(0)));
    }
    stopped.await();
    return 0;
  }
}
