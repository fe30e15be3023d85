package dev.hybridcdn.ops.processes;

import dev.hybridcdn.kafka.BrokerProcess;
import dev.hybridcdn.kafka.LoopbackPorts;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.stack.EmbeddedStores;
import dev.hybridcdn.ops.stack.LocalStack;
import dev.hybridcdn.ops.tls.LocalCa;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The network as separate OS processes, the way it is deployed: a Kafka broker process (KRaft,
 * {@link BrokerProcess}), PostgreSQL and Redis ({@link EmbeddedStores}, processes of their own),
 * then every service as its own JVM from its runnable jar ({@code java -jar
 * <module>/target/<module>.jar}, configured by environment variables as its README says): the
 * origin, two edges ({@code eu-west}, {@code us-east}), N tracker instances, the topology app and
 * one JVM per peer, so that {@code cdn chaos} can kill any of them. Output goes to
 * {@code <stateDir>/logs/<name>.log}; {@code <stateDir>/stack.json} ({@link StackFile}) lists them.
 *
 * <p>JVM sizes are for one 2-core laptop running about a dozen JVMs: serial GC, C1 only, heaps of
 * 96 to 384 MiB ({@link #heapMb(String)}); peers have 32 MiB segment caches.
 */
public final class ProcessStack implements AutoCloseable {
  /** Kafka's controller listener with the default ports. */
  public static final int CONTROLLER_PORT = 9093;
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(150);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final List<String> REGIONS = List.of("eu-west", "us-east");

  /**
   * How the stack is laid out.
   *
   * @param home repository root: {@code <module>/target/<module>.jar} and {@code ops/target/lib}
   * @param stateDir {@code stack.json}, {@code logs/}, {@code data/} (wiped at start)
   * @param defaultPorts true: ARCHITECTURE.md's ports (Kafka 9092/9093, origin 8081, edges
   *     8082/8083, trackers 7070.., topology 8090, peers 9000..); false: free ports
   * @param peers peer JVMs, 1 to 100
   * @param trackers tracker instances, 1 to 5
   * @param trackerTtlMs {@code TRACKER_PEER_TTL_MS} of the trackers
   * @param logLevel SLF4J level of library logs in the children's log files
   * @param tls true: a local CA and a certificate per service in {@code <stateDir>/tls}, every
   *     service serving HTTPS and trusting the CA ({@code cdn up --processes --tls})
   * @param playerTokenSecret {@code PLAYER_TOKEN_SECRET} of the edges and peers ({@code --auth}, issue 16):
   *     player routes want a signed token; null: open
   */
  public record Layout(Path home, Path stateDir, boolean defaultPorts, int peers, int trackers, long trackerTtlMs,
      String logLevel, boolean tls, String playerTokenSecret) {
    /** Plain HTTP, player routes open. */
    public Layout(Path home, Path stateDir, boolean defaultPorts, int peers, int trackers, long trackerTtlMs,
        String logLevel) {
      this(home, stateDir, defaultPorts, peers, trackers, trackerTtlMs, logLevel, false, null);
    }

    /** Player routes open. */
    public Layout(Path home, Path stateDir, boolean defaultPorts, int peers, int trackers, long trackerTtlMs,
        String logLevel, boolean tls) {
      this(home, stateDir, defaultPorts, peers, trackers, trackerTtlMs, logLevel, tls, null);
    }

    /** The same layout with player tokens on, signed with {@code secret} ({@code --auth}). */
    public Layout withPlayerTokens(String secret) {
      return new Layout(home, stateDir, defaultPorts, peers, trackers, trackerTtlMs, logLevel, tls, secret);
    }

    public Layout {
      if (peers < 1 || peers > 100) {
        throw new IllegalArgumentException("--peers must be 1 to 100, got " + peers);
      }
      if (trackers < 1 || trackers > 5) {
        throw new IllegalArgumentException("--trackers must be 1 to 5, got " + trackers);
      }
    }
  }

  private final Layout layout;
  private final EmbeddedStores stores;
  private final BrokerProcess kafka;
  private final Map<String, String> env;
  /** Null: plain HTTP. */
  private final LocalCa ca;
  /**
   * {@code CLUSTER_SECRET} of this stack (issue 16), new per start as LocalStack's: the trackers' internal
   * routes want its MAC and their verifiers the peers' and edges' signatures. In each service's variables
   * ({@code stack.json}, so {@code cdn chaos} restarts a process alike), never in {@link #env()}.
   */
  private final String clusterSecret = TrustSettings.newSecret();
  private final Instant startedAt = Instant.now();
  private volatile StackFile file;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private ProcessStack(Layout layout, EmbeddedStores stores, BrokerProcess kafka, Map<String, String> env) {
    this.layout = layout;
    this.stores = stores;
    this.kafka = kafka;
    this.env = env;
    this.ca = layout.tls() ? LocalCa.create(layout.stateDir().resolve("tls"), "hybrid-cdn local CA") : null;
    if (ca != null) {
      env.put(TlsSettings.CA_FILE, ca.caFile().toString()); // every service's clients, and stack.env's
    }
  }

  /**
   * Starts everything and waits until each process answers: HTTP services {@code GET /health}
   * 200, Kafka, PostgreSQL and Redis a TCP connection. Meanwhile {@code media} (audio files) is
   * ingested by this JVM (FFmpeg, PostgreSQL, {@code SongPublished}).
   *
   * @param progress one line per step
   * @throws IllegalStateException naming what did not start or answer (everything started is stopped)
   */
  public static ProcessStack start(Layout layout, List<Path> media, Consumer<String> progress) {
    long t0 = System.nanoTime();
    Path data = layout.stateDir().resolve("data");
    Path logs = layout.stateDir().resolve("logs");
    deleteTree(data);
    deleteTree(logs);
    Executor starter = EmbeddedStores.OWN_THREAD;
    CompletableFuture<BrokerProcess> kafka = CompletableFuture.supplyAsync(() -> startBroker(layout, data, logs, progress),
        starter);
    CompletableFuture<EmbeddedStores> stores = CompletableFuture.supplyAsync(() -> EmbeddedStores.start(data), starter);
    try {
      CompletableFuture.allOf(kafka, stores).join();
    } catch (RuntimeException e) {
      kafka.thenAccept(BrokerProcess::close);
      stores.thenAccept(EmbeddedStores::close);
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    }
    progress.accept(String.format(Locale.ROOT, "Kafka broker process 127.0.0.1:%d (pid %d), PostgreSQL 127.0.0.1:%d,"
        + " Redis 127.0.0.1:%d ready in %.1f s", kafka.join().settings().port(), kafka.join().pid(), stores.join().postgresPort(),
        stores.join().redisPort(), (System.nanoTime() - t0) / 1e9));
    ProcessStack stack;
    try {
      stack = new ProcessStack(layout, stores.join(), kafka.join(),
          LocalStack.baseEnv(kafka.join().bootstrapServers(), "cdn.", stores.join().postgresPort(),
              stores.join().redisUrl()));
    } catch (RuntimeException e) {
      kafka.join().close();
      stores.join().close();
      throw e;
    }
    if (stack.ca != null) {
      progress.accept("HTTPS everywhere: a new local CA " + stack.ca.caFile() + " and a certificate per service");
    }
    try {
      stack.launchServices(progress);
      CompletableFuture<List<IngestResult>> ingested =
          CompletableFuture.supplyAsync(() -> stack.ingest(media, progress), starter);
      stack.awaitHealthy(HEALTH_TIMEOUT);
      progress.accept(String.format(Locale.ROOT, "%d processes healthy %.1f s after start",
          stack.file.processes().size(), (System.nanoTime() - t0) / 1e9));
      ingested.join();
    } catch (RuntimeException e) {
      stack.close();
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(cause.getMessage(), cause);
    }
    return stack;
  }

  /**
   * The broker process on the default ports, or on free ones. Free ports are picked before the broker binds
   * them while PostgreSQL and Redis start beside it, so another process may take one first: a broker that
   * exits at start on free ports is started once more on new ones (its log says why, in the progress line).
   */
  private static BrokerProcess startBroker(Layout layout, Path data, Path logs, Consumer<String> progress) {
    boolean dp = layout.defaultPorts();
    for (int attempt = 1; ; attempt++) {
      int kafkaPort = dp ? LocalStack.KAFKA_PORT : LoopbackPorts.free();
      int controllerPort = dp ? CONTROLLER_PORT : LoopbackPorts.free();
      try {
        return BrokerProcess.start(new BrokerProcess.Settings(data.resolve("kafka"),
            BrokerProcess.classPath(layout.home().resolve("ops/target/lib")), kafkaPort, controllerPort,
            logs.resolve("kafka.log"), heapMb("kafka"), logOptions(layout.logLevel())));
      } catch (IllegalStateException e) {
        if (dp || attempt > 1) {
          throw e;
        }
        progress.accept("Kafka broker on free ports " + kafkaPort + "/" + controllerPort + " failed at start, once more"
            + " on new ports: " + e.getMessage());
        deleteTree(data.resolve("kafka"));
      }
    }
  }

  private void launchServices(Consumer<String> progress) {
    boolean dp = layout.defaultPorts();
    Path logs = layout.stateDir().resolve("logs");
    Path data = layout.stateDir().resolve("data");
    List<ServiceProcess> all = new ArrayList<>();
    all.add(new ServiceProcess("kafka", "kafka", kafka.pid(), kafkaPort(), null, logs.resolve("kafka.log").toString(),
        kafka.command(), Map.of()));
    all.add(new ServiceProcess("postgres", "postgres", stores.postgresPid().orElse(0), stores.postgresPort(), null,
        data.resolve("postgres").toString(), List.of(), Map.of()));
    all.add(new ServiceProcess("redis", "redis", stores.redisPid().orElse(0), stores.redisPort(), null, "", List.of(),
        Map.of()));

    int originPort = dp ? LocalStack.ORIGIN_PORT : LoopbackPorts.free();
    Map<String, String> origin = new HashMap<>(env);
    origin.put("HTTP_PORT", Integer.toString(originPort));
    origin.put("ORIGIN_EVENT_LOOPS", "1");
    origin.put("ORIGIN_DB_TIMEOUT_MS", "15000");
    origin.put("ORIGIN_CACHE_BYTES", Long.toString(16L << 20));
    all.add(service("origin", "origin", "origin-ingest", originPort, origin));
    String originUrl = url(originPort);

    List<String> edgeUrls = new ArrayList<>();
    int[] edgePorts = {dp ? LocalStack.EDGE_PORT : LoopbackPorts.free(),
        dp ? LocalStack.EDGE_PORT + 1 : LoopbackPorts.free()};
    for (int i = 0; i < 2; i++) {
      int port = edgePorts[i];
      Map<String, String> e = new HashMap<>(env);
      // Origin shield: edge-2 (us-east, the origin's region in the default model) is edge-1's parent,
      // so the origin sends each segment once; edge-2 down, edge-1 asks the origin (edge-vertx README).
      if (i == 0) {
        e.put("EDGE_SHIELDS", "edge-2=" + url(edgePorts[1]));
      }
      e.put("EDGE_ID", "edge-" + (i + 1));
      e.put("REGION", REGIONS.get(i % REGIONS.size()));
      e.put("HTTP_PORT", Integer.toString(port));
      e.put("ORIGIN_URL", originUrl);
      e.put("EDGE_EVENT_LOOPS", "1");
      e.put("EDGE_NEAR_CACHE_BYTES", Long.toString(16L << 20));
      // A busy 2-core machine: a slow Redis or PostgreSQL is slow, not down.
      e.put("EDGE_REDIS_TIMEOUT_MS", "2000");
      e.put("EDGE_PG_TIMEOUT_MS", "5000");
      all.add(service("edge-" + (i + 1), "edge", "edge-vertx", port, e));
      edgeUrls.add(url(port));
    }

    List<String> trackerUrls = new ArrayList<>();
    List<Integer> trackerPorts = new ArrayList<>();
    for (int i = 0; i < layout.trackers(); i++) {
      int port = dp ? LocalStack.TRACKER_PORT + i : LoopbackPorts.free();
      trackerPorts.add(port);
      trackerUrls.add(url(port));
    }
    for (int i = 0; i < layout.trackers(); i++) {
      Map<String, String> t = new HashMap<>(env);
      t.put("HTTP_PORT", Integer.toString(trackerPorts.get(i)));
      t.put("TRACKER_STATE_DIR", data.resolve("tracker-" + (i + 1)).toString());
      t.put("TRACKER_STANDBY_REPLICAS", layout.trackers() > 1 ? "1" : "0");
      t.put("TRACKER_PEER_TTL_MS", Long.toString(layout.trackerTtlMs()));
      t.put("TRACKER_HTTP_INSTANCES", "1");
      // A killed instance's partitions move to the others after this (default 45 s).
      t.put("TRACKER_SESSION_TIMEOUT_MS", "10000");
      all.add(service("tracker-" + (i + 1), "tracker", "tracker-streams", trackerPorts.get(i), t));
    }

    int topologyPort = dp ? LocalStack.TOPOLOGY_PORT : LoopbackPorts.free();
    Map<String, String> topo = new HashMap<>(env);
    topo.put("HTTP_PORT", Integer.toString(topologyPort));
    topo.put("TOPOLOGY_STATE_DIR", data.resolve("topology").toString());
    topo.put("TOPOLOGY_HTTP_INSTANCES", "1");
    all.add(service("topology", "topology", "topology-streams", topologyPort, topo));

    List<String> peerUrls = new ArrayList<>();
    for (int i = 0; i < layout.peers(); i++) {
      int port = dp ? LocalStack.PEER_PORT + i : LoopbackPorts.free();
      Map<String, String> p = new HashMap<>(env);
      p.remove("REDIS_URL");
      p.put("PEER_ID", "peer-" + (i + 1));
      p.put("REGION", REGIONS.get(i % REGIONS.size()));
      p.put("HTTP_PORT", Integer.toString(port));
      p.put("BIND_HOST", "127.0.0.1");
      p.put("ADVERTISED_HOST", "127.0.0.1");
      p.put("EDGE_URLS", String.join(",", edgeUrls));
      p.put("TRACKER_URLS", String.join(",", trackerUrls));
      p.put("TOPOLOGY_URL", url(topologyPort)); // path ranking, relays, signalling (issue 15), as LocalStack's
      p.put("CACHE_BYTES", Long.toString(32L << 20));
      // Bounds for a loaded 2-core machine (the defaults are for separate machines), as LocalStack's.
      p.put("TRACKER_TIMEOUT_MS", "1500");
      p.put("PEER_TIMEOUT_MS", "2000");
      p.put("P2P_BUDGET_MS", "4000");
      p.put("EDGE_TIMEOUT_MS", "10000");
      p.put("TOPICS_TIMEOUT_MS", "30000");
      all.add(service("peer-" + (i + 1), "peer", "peer-vertx", port, p));
      peerUrls.add(url(port));
    }

    List<ServiceProcess> started = new ArrayList<>();
    for (ServiceProcess p : all) {
      started.add(p.command().isEmpty() || p.pid() > 0 ? p : p.launch());
    }
    env.put("ORIGIN_URL", originUrl);
    env.put("EDGE_URLS", String.join(",", edgeUrls));
    env.put("TRACKER_URL", trackerUrls.get(0));
    env.put("TRACKER_URLS", String.join(",", trackerUrls));
    env.put("TOPOLOGY_URL", url(topologyPort));
    env.put("PEER_URLS", String.join(",", peerUrls));
    if (layout.playerTokenSecret() != null) {
      // for cdn token, cdn get and cdn chaos's players (.cdn/stack.env, never committed), as LocalStack's
      env.put(PlayerTokens.SECRET, layout.playerTokenSecret());
    }
    file = new StackFile(ProcessHandle.current().pid(), startedAt.toString(), env, started);
    file.write(stackFile());
    progress.accept(String.format(Locale.ROOT, "started %d service JVMs (logs in %s)",
        started.stream().filter(p -> p.kind().matches("origin|edge|tracker|topology|peer")).count(), logs));
  }

  private ServiceProcess service(String name, String kind, String module, int port, Map<String, String> vars) {
    if (kind.matches("edge|tracker|topology|peer")) {
      vars.put("CLUSTER_SECRET", clusterSecret);
    }
    if (kind.matches("edge|peer") && layout.playerTokenSecret() != null) {
      vars.put(PlayerTokens.SECRET, layout.playerTokenSecret()); // they check player tokens; peers also sign
    }
    if (ca != null) {
      LocalCa.Issued cert = ca.issue(name, LocalCa.LOCAL_HOSTS);
      vars.put(TlsSettings.CERT_FILE, cert.certFile().toString());
      vars.put(TlsSettings.KEY_FILE, cert.keyFile().toString());
    }
    Path jar = layout.home().resolve(module).resolve("target").resolve(module + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + ": build first (mvn -B -q package -DskipTests)");
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms16m", "-Xmx" + heapMb(kind) + "m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=128m"));
    cmd.addAll(logOptions(layout.logLevel()));
    cmd.addAll(List.of("-jar", jar.toString()));
    return new ServiceProcess(name, kind, 0, port, url(port),
        layout.stateDir().resolve("logs").resolve(name + ".log").toString(), cmd, vars);
  }

  /** {@code -Xmx} of a process of this kind, MiB. */
  static int heapMb(String kind) {
    return switch (kind) {
      case "kafka" -> 384;
      case "origin", "tracker" -> 192;
      case "edge", "topology" -> 160;
      default -> 128;
    };
  }

  /**
   * SLF4J simple's levels for a child: library logs at {@code level} ({@code CDN_LOG_LEVEL},
   * default warn), this project's at info so each log file shows the service start.
   */
  static List<String> logOptions(String level) {
    return List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + level, "-Dorg.slf4j.simpleLogger.log.dev.hybridcdn=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
  }

  private void awaitHealthy(Duration timeout) {
    HttpClient client = StackEnv.clientBuilder(Duration.ofSeconds(1))
        .sslContext((ca == null ? TlsSettings.off() : new TlsSettings(null, null, ca.caFile())).sslContext()).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, String> last = new LinkedHashMap<>();
    while (System.nanoTime() < deadline) {
      last.clear();
      for (ServiceProcess p : file.processes()) {
        String h = p.health(client);
        if ("DEAD".equals(h)) {
          throw new IllegalStateException(p.name() + " exited at start; see " + p.log() + ", which ends:\n"
              + BrokerProcess.logTail(Path.of(p.log())));
        }
        if (!"UP".equals(h)) {
          last.put(p.name(), h);
        }
      }
      if (last.isEmpty()) {
        return;
      }
      sleep(250);
    }
    throw new IllegalStateException("not healthy within " + timeout.toSeconds() + " s: " + last.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + "; see "
        + layout.stateDir().resolve("logs"));
  }

  /**
   * Ingests audio files with FFmpeg into this stack's PostgreSQL and {@code cdn.catalog}, in this JVM.
   *
   * @return the results, in file order
   */
  public List<IngestResult> ingest(List<Path> files, Consumer<String> progress) {
    Map<String, String> vars = new HashMap<>(env);
    vars.put("HTTP_PORT", "0");
    vars.put("ORIGIN_DB_TIMEOUT_MS", "15000");
    return LocalStack.ingest(OriginConfig.from(new Env(vars)), files, progress);
  }

  /** {@code <stateDir>/stack.json}. */
  public Path stackFile() {
    return layout.stateDir().resolve("stack.json");
  }

  /** The processes as last written (pids of processes started again by {@code cdn chaos} included). */
  public StackFile processes() {
    return StackFile.read(stackFile()).orElse(file);
  }

  /** The variables other commands reach the stack with (the same as {@code stack.json}'s {@code env}). */
  public Map<String, String> env() {
    return Map.copyOf(env);
  }

  private int kafkaPort() {
    String b = kafka.bootstrapServers();
    return Integer.parseInt(b.substring(b.lastIndexOf(':') + 1));
  }

  private String url(int port) {
    return (ca == null ? "http" : "https") + "://127.0.0.1:" + port;
  }

  /**
   * Stops everything: the services (SIGTERM, SIGKILL after 10 s; peers and edges first, then the
   * apps and the origin), the Kafka broker (clean shutdown, SIGKILL after 20 s), PostgreSQL and
   * Redis. Reads {@code stack.json} again first, so processes {@code cdn chaos} started again are
   * stopped too. Never throws; deletes {@code stack.json}. A second call does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    StackFile now = file == null ? null : processes();
    if (now != null) {
      stopAll(now.processes().stream().filter(p -> p.kind().matches("peer|edge")).toList(), STOP_GRACE);
      stopAll(now.processes().stream().filter(p -> p.kind().matches("tracker|topology|origin")).toList(), STOP_GRACE);
      now.process("kafka").ifPresent(k -> k.stop(Duration.ofSeconds(20)));
    }
    kafka.stop(Duration.ofSeconds(20));
    stores.close();
    if (now != null) {
      // pg_ctl and embedded-redis return before their server process is gone; wait for it.
      stopAll(now.processes().stream().filter(p -> p.kind().matches("postgres|redis")).toList(), STOP_GRACE);
    }
    try {
      Files.deleteIfExists(stackFile());
    } catch (java.io.IOException e) {
      // a stale file lists dead pids; cdn ps shows them as DEAD
    }
  }

  /** SIGTERM to all at once, then SIGKILL to those still alive after {@code grace}. */
  private static void stopAll(List<ServiceProcess> processes, Duration grace) {
    List<ProcessHandle> handles = processes.stream().flatMap(p -> p.handle().stream()).toList();
    handles.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle h : handles) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      if (!ServiceProcess.awaitExit(h, Duration.ofMillis(left))) {
        h.destroyForcibly();
        ServiceProcess.awaitExit(h, Duration.ofSeconds(5));
      }
    }
  }

  private static void deleteTree(Path dir) {
    dev.hybridcdn.ops.demo.Demo.deleteTreeQuietly(dir);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
