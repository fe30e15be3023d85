package dev.hybridcdn.ops.bench;

import dev.hybridcdn.kafka.LoopbackPorts;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.ops.bench.floor.BareVertxServer;
import dev.hybridcdn.ops.processes.ServiceProcess;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The edge and the peer of the {@code serve} comparison (and the framework's floor, {@link #startBare}), each
 * in a JVM of its own, as they are deployed and as nginx runs: measured inside the bench's JVM, which also
 * holds Kafka, both Streams apps and the other peers, their p99 was that JVM's young-GC pauses (164-390 ms
 * per run, edge-vertx README).
 * Both join the bench's stack (its Kafka, PostgreSQL, Redis, origin and tracker) through the stack's
 * variables, on free loopback ports, from the bench's own classpath ({@code ops.jar}'s manifest names
 * every module's jar), with the JVM's default collector and JIT. Pinned ({@link CorePinning}), each JVM
 * runs on the server cores only, as nginx does, and the edge has one event loop per server core (one
 * here, as nginx has one worker); unpinned, the edge has the local stack's two event loops. A peer has
 * one either way.
 */
final class ServeProcesses implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final HttpClient HTTP = StackEnv.clientBuilder(Duration.ofSeconds(2)).build();

  private final List<ServiceProcess> started = new ArrayList<>();
  private final CorePinning pinning;
  private String edgeUrl;
  private String peerUrl;

  /**
   * Starts the edge, then the peer (whose only edge it is), and waits for both to answer {@code /health}.
   *
   * @param stackEnv the variables every service of the stack starts from (Kafka, PostgreSQL, Redis,
   *     cluster secret)
   * @param logDir where {@code serve-edge.log} and {@code serve-peer.log} go
   * @param pinning the cores both JVMs run on ({@link CorePinning#onServerCores})
   * @throws IllegalStateException naming the process that did not come up, with its log's path
   */
  static ServeProcesses start(Map<String, String> stackEnv, String originUrl, List<String> trackerUrls, Path logDir,
      CorePinning pinning) throws Exception {
    ServeProcesses p = new ServeProcesses(pinning);
    try {
      Map<String, String> edge = new HashMap<>(stackEnv);
      edge.put("EDGE_ID", "serve-edge");
      edge.put("REGION", "local");
      edge.put("ORIGIN_URL", originUrl);
      // one per core the edge may use; unpinned, the local stack's setting (stack/Delivery)
      edge.put("EDGE_EVENT_LOOPS", Integer.toString(pinning.enabled() ? pinning.serverCores() : 2));
      p.edgeUrl = p.launch("serve-edge", "dev.hybridcdn.edge.EdgeMain", edge, logDir);
      Map<String, String> peer = new HashMap<>(stackEnv);
      peer.remove("REDIS_URL");
      peer.put("PEER_ID", "serve-peer");
      peer.put("REGION", "local");
      peer.put("ADVERTISED_HOST", "127.0.0.1");
      peer.put("EDGE_URLS", p.edgeUrl);
      peer.put("TRACKER_URLS", String.join(",", trackerUrls));
      peer.put("WARM_START_SONGS", "0"); // the hot path alone: no fetches of its own, and no fifth holder
      p.peerUrl = p.launch("serve-peer", "dev.hybridcdn.peer.PeerMain", peer, logDir);
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  private ServeProcesses(CorePinning pinning) {
    this.pinning = pinning;
  }

  /**
   * Pinned, puts the JVM named {@code measured} ({@code "edge"}, {@code "peer"}, {@code "bare"}, or null for
   * none) on the server cores and the others on the load core ({@link CorePinning}); nothing when unpinned.
   */
  void measure(String measured) {
    for (ServiceProcess p : started) {
      if (p.kind().equals(measured)) {
        pinning.onServerCores(p.pid());
      } else {
        pinning.onLoadCore(p.pid());
      }
    }
  }

  String edgeUrl() {
    return edgeUrl;
  }

  /** The process id of the JVM of {@code kind} ({@code "edge"}, {@code "peer"} or {@code "bare"}). */
  long pid(String kind) {
    return started.stream().filter(p -> p.kind().equals(kind)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + kind + " JVM")).pid();
  }

  String peerUrl() {
    return peerUrl;
  }

  /**
   * Starts the framework's floor ({@link BareVertxServer}) serving {@code file} at {@code path}, in a JVM of
   * its own like the edge's and the peer's, and waits for it to answer {@code /health}.
   *
   * @return its base URL
   * @throws IllegalStateException when it does not come up (its log's path in the message)
   */
  String startBare(Path file, String path, Path logDir) throws Exception {
    Map<String, String> vars = new HashMap<>();
    vars.put("BARE_SEGMENT_FILE", file.toString());
    vars.put("BARE_SEGMENT_PATH", path);
    return launch("serve-bare", BareVertxServer.class.getName(), vars, logDir);
  }

  private String launch(String name, String mainClass, Map<String, String> vars, Path logDir) throws Exception {
    int port = LoopbackPorts.free();
    vars.put("HTTP_PORT", Integer.toString(port));
    vars.put("BIND_HOST", "127.0.0.1");
    String url = "http://127.0.0.1:" + port;
    List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms256m", "-Xmx512m"));
    java.addAll(extraOptions(name));
    java.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    List<String> cmd = pinning.onServerCores(java);
    ServiceProcess p = new ServiceProcess(name, name.substring("serve-".length()), 0, port, url,
        logDir.resolve(name + ".log").toString(), cmd, vars).launch();
    started.add(p);
    p.awaitUp(HTTP, START_TIMEOUT);
    return url;
  }

  /**
   * {@code CDN_BENCH_SERVE_JAVA_OPTS} (ops README), split at spaces, {@code {name}} replaced by the
   * process's name ({@code serve-edge}, {@code serve-peer}): e.g. a flight recording of each,
   * {@code -XX:StartFlightRecording=settings=profile,filename=/tmp/{name}.jfr}.
   */
  static List<String> extraOptions(String name) {
    String opts = System.getenv().getOrDefault("CDN_BENCH_SERVE_JAVA_OPTS", "").strip();
    if (opts.isEmpty()) {
      return List.of();
    }
    return java.util.Arrays.stream(opts.split("\\s+")).map(o -> o.replace("{name}", name)).toList();
  }

  /** SIGTERM to both (a clean leave), SIGKILL after 10 s. */
  @Override
  public void close() {
    for (ServiceProcess p : started) {
      p.stop(Duration.ofSeconds(10));
    }
  }
}
