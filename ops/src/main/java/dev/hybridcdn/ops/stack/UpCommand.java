package dev.hybridcdn.ops.stack;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.kafka.registry.ApicurioRegistry;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.demo.Demo;
import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.PsCommand;
import dev.hybridcdn.ops.token.TokenCommand;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
  @Option(names = "--auth", description = "Player tokens on: edges and peers want a signed token "
      + "(PLAYER_TOKEN_SECRET from the environment, else a random one in .cdn/stack.env); cdn token signs one.")
  boolean auth;
  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data of the embedded servers (default .cdn/data, wiped at start).")
  Path dataDir;
  @Option(names = "--tls", description = "HTTPS everywhere: a new local CA and a certificate per service in .cdn/tls "
      + "(BouncyCastle), https:// URLs in .cdn/stack.env with TLS_CA_FILE for the other commands.")
  boolean tls;
  @Option(names = "--processes", description = "Every service as its own JVM from its runnable jar, a Kafka broker process, "
      + "PostgreSQL and Redis; logs in .cdn/logs/, the processes in .cdn/stack.json (cdn ps lists them).")
  boolean processes;

  /** Peer TTL of the trackers of a {@code --processes} stack: 15 s, as the in-process stack (LocalStack). */
  static final long PROCESS_TRACKER_TTL_MS = 15_000;

  @Override
  public Integer call() throws Exception {
    PrintStream err = System.err;
    if (trackers < 1 || trackers > StackOptions.MAX_TRACKERS) {
      err.println("--trackers must be 1 to " + StackOptions.MAX_TRACKERS);
      return 2;
    }
    if (processes) {
      if (registry) {
        err.println("--registry is not available with --processes yet (the service processes get no SCHEMA_REGISTRY_URL)");
        return 2;
      }
      return upProcesses(err);
    }
    Path data = dataDir != null ? dataDir : StackEnv.ensureDir().resolve("data");
    Demo.deleteTreeQuietly(data);
    StackOptions options = StackOptions.of(data, true).withTrackers(trackers)
        .withTls(tls ? StackEnv.ensureDir().resolve("tls") : null);
    if (auth) {
      options = options.withPlayerTokens(playerTokenSecret());
    }
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
    stack.env().forEach((k, v) -> err.printf("  %-24s %s%n", k, k.endsWith("_SECRET") ? "(hidden; cdn token signs)" : v));
    if (!songs.isEmpty() && !d.peers().isEmpty()) {
      err.printf("%nPlay through a peer:  ffplay '%s%s%s'%n", d.peers().get(0).baseUrl(), CdnPaths.master(songs.get(0)),
          TokenCommand.query(stack.playerTokens(), songs.get(0)));
      err.printf("Web player:           %s/player.html%n", stack.dashboardUrl());
    }
    err.printf("Live dashboard:       %s/%n", stack.dashboardUrl());
    stopped.await();
    return 0;
  }

  private int upProcesses(PrintStream err) throws Exception {
    long t0 = System.nanoTime();
    Path state = StackEnv.ensureDir();
    String level = System.getenv().getOrDefault("CDN_LOG_LEVEL", "warn");
    List<Path> media = noIngest ? List.of() : MediaFiles.list(StackEnv.media());
    ProcessStack.Layout layout = new ProcessStack.Layout(StackEnv.home(), state, true, peers, trackers,
        PROCESS_TRACKER_TTL_MS, level, tls);
    ProcessStack stack = ProcessStack.start(auth ? layout.withPlayerTokens(playerTokenSecret()) : layout, media,
        line -> err.println("• " + line));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("• stopping every process (SIGTERM, then SIGKILL after 10 s)");
      StackEnv.clear();
      stack.close();
      err.println("• stopped");
      stopped.countDown();
    }, "up-shutdown"));
    StackEnv.write(stack.env());
    err.printf(Locale.ROOT, "%nStack up as processes in %.1f s (Ctrl-C or SIGTERM stops it). Processes: %s;"
        + " variables: %s%n%n", (System.nanoTime() - t0) / 1e9, stack.stackFile(), StackEnv.file());
    PsCommand.print(stack.processes(), err);
    if (!media.isEmpty()) {
      err.printf("%nPlay through a peer:  ffplay %s%s%n", stack.env().get("PEER_URLS").split(",")[0],
          CdnPaths.master(MediaFiles.songId(media.get(0))));
    }
    stopped.await();
    return 0;
  }

  /** {@code --auth}'s secret: {@code PLAYER_TOKEN_SECRET} from the environment, else a new random one. */
  private static String playerTokenSecret() {
    String secret = System.getenv(PlayerTokens.SECRET);
    return secret == null || secret.isBlank() ? TrustSettings.newSecret() : secret;
  }
}
