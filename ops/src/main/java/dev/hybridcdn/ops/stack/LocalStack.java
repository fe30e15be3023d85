package dev.hybridcdn.ops.stack;

import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.ops.swarm.Churn;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.topology.TopologyApp;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole network in this JVM, started through each module's in-JVM start API (README, "In-JVM
 * start API of every service"): embedded Kafka, PostgreSQL and Redis ({@link EmbeddedInfra}), the
 * origin, the tracker and topology apps; then one or more delivery tiers ({@link Delivery}: two
 * edges and a host of N peers). Each service gets its configuration the way a process would, from
 * an {@link Env} built from the same variables (see {@link #env()}).
 */
public final class LocalStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
  /** ARCHITECTURE.md, "Processes, ports and metrics". */
  public static final int ORIGIN_PORT = 8081;
  public static final int EDGE_PORT = 8082;
  public static final int TRACKER_PORT = 7070;
  public static final int TOPOLOGY_PORT = 8090;
  public static final int PEER_PORT = 9000;
  public static final int KAFKA_PORT = 9092;

  private final StackOptions options;
  private final EmbeddedInfra infra;
  private final OriginServer origin;
  private CompletableFuture<TrackerApp> tracker;
  private CompletableFuture<TopologyApp> topology;
  private final List<Delivery> deliveries = new ArrayList<>();
  private PortForwarder kafkaForwarder;

  private LocalStack(StackOptions options, EmbeddedInfra infra, OriginServer origin) {
    this.options = options;
    this.infra = infra;
    this.origin = origin;
  }

  /**
   * Starts the embedded servers and the origin (blocking), and the tracker and topology apps in
   * the background (Streams apps take a while to reach RUNNING; ingests can run meanwhile). Every
   * method that needs the apps waits for them ({@link #awaitApps()}).
   *
   * @param progress receives one line per step ("Kafka ..., PostgreSQL ..., Redis ... ready in 4.1 s")
   * @throws IllegalStateException when a part does not start (everything started is stopped)
   */
  public static LocalStack start(StackOptions options, Consumer<String> progress) {
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + options.dataDir(), e);
    }
    EmbeddedInfra infra = EmbeddedInfra.start(options.dataDir());
    progress.accept(String.format(Locale.ROOT, "Kafka %s, PostgreSQL 127.0.0.1:%d, Redis %s ready in %.1f s",
        infra.kafkaBootstrapServers(), infra.postgresPort(), infra.redisUrl(), infra.startTime().toMillis() / 1000.0));
    OriginServer origin;
    try {
      Map<String, String> originEnv = new HashMap<>(baseEnv(options, infra));
      originEnv.put("HTTP_PORT", port(options, ORIGIN_PORT));
      // A fresh embedded PostgreSQL on a busy laptop can take seconds to answer the first queries.
      originEnv.put("ORIGIN_DB_TIMEOUT_MS", "15000");
      origin = OriginServer.start(OriginConfig.from(new Env(originEnv)));
    } catch (RuntimeException e) {
      infra.close();
      throw new IllegalStateException("the origin did not start: " + e.getMessage(), e);
    }
    progress.accept("origin listening on :" + origin.port());
    LocalStack stack = new LocalStack(options, infra, origin);
    if (options.defaultPorts()) {
      stack.forwardKafka(progress);
    }
    stack.startApps(progress);
    return stack;
  }

  /** Answers on 127.0.0.1:9092 for the embedded broker (best effort: skipped when 9092 is taken). */
  private void forwardKafka(Consumer<String> progress) {
    String bootstrap = infra.kafkaBootstrapServers();
    int colon = bootstrap.lastIndexOf(':');
    try {
      kafkaForwarder = PortForwarder.start(KAFKA_PORT, bootstrap.substring(0, colon),
          Integer.parseInt(bootstrap.substring(colon + 1)));
      progress.accept("Kafka clients can bootstrap through 127.0.0.1:" + KAFKA_PORT);
    } catch (RuntimeException e) {
      progress.accept("port " + KAFKA_PORT + " is taken; Kafka stays at " + bootstrap);
    }
  }

  private void startApps(Consumer<String> progress) {
    Map<String, String> base = baseEnv(options, infra);
    long t0 = System.nanoTime();
    Map<String, String> trackerEnv = new HashMap<>(base);
    trackerEnv.put("HTTP_PORT", port(options, TRACKER_PORT));
    trackerEnv.put("TRACKER_STATE_DIR", options.dataDir().resolve("tracker").toString());
    trackerEnv.put("TRACKER_STANDBY_REPLICAS", "0");
    // Every service shares this JVM's CPU: a heartbeat (every 2 s) can be seconds late on a busy
    // laptop, so a crashed peer is reaped after 15 s instead of the default 3 x 2 s.
    trackerEnv.put("TRACKER_PEER_TTL_MS", "15000");
    Map<String, String> topologyEnv = new HashMap<>(base);
    topologyEnv.put("HTTP_PORT", port(options, TOPOLOGY_PORT));
    topologyEnv.put("TOPOLOGY_STATE_DIR", options.dataDir().resolve("topology").toString());
    tracker = CompletableFuture.supplyAsync(
        () -> startWithRetry("tracker", () -> TrackerApp.start(TrackerConfig.from(new Env(trackerEnv)))));
    topology = CompletableFuture.supplyAsync(
        () -> startWithRetry("topology", () -> TopologyApp.start(TopologyConfig.from(new Env(topologyEnv)))));
    CompletableFuture.allOf(tracker, topology).thenRun(() -> progress.accept(String.format(Locale.ROOT,
        "tracker :%d and topology :%d running (Kafka Streams) in %.1f s", tracker.join().port(),
        topology.join().port(), (System.nanoTime() - t0) / 1e9)));
  }

  /**
   * Waits until the tracker and topology apps run.
   *
   * @throws IllegalStateException when one did not start
   */
  public void awaitApps() {
    try {
      CompletableFuture.allOf(tracker, topology).join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("the tracker or topology app did not start: " + cause.getMessage(), cause);
    }
  }

  /**
   * Starts a Streams app, once more if the first start fails: on a fresh broker a topic created
   * a moment ago may not have its partition metadata yet when Streams initialises.
   */
  private static <T> T startWithRetry(String what, java.util.function.Supplier<T> start) {
    try {
      return start.get();
    } catch (RuntimeException first) {
      LOG.warn("{} did not start ({}); trying once more", what, first.getMessage());
      return start.get();
    }
  }

  private static String port(StackOptions options, int defaultPort) {
    return options.defaultPorts() ? Integer.toString(defaultPort) : "0";
  }

  private static Map<String, String> baseEnv(StackOptions options, EmbeddedInfra infra) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
    env.put("TOPIC_PREFIX", options.topicPrefix());
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(infra.postgresPort()));
    env.put("PGDATABASE", "postgres");
    env.put("PGUSER", "postgres");
    env.put("PGPASSWORD", "postgres");
    env.put("REDIS_URL", infra.redisUrl());
    return env;
  }

  /**
   * The variables a process needs to reach this stack: {@code KAFKA_BOOTSTRAP_SERVERS},
   * {@code TOPIC_PREFIX}, {@code PG*}, {@code REDIS_URL}, {@code ORIGIN_URL}, {@code TRACKER_URL},
   * {@code TOPOLOGY_URL} and, once a delivery tier runs, {@code EDGE_URLS} and {@code PEER_URLS}.
   */
  public Map<String, String> env() {
    Map<String, String> env = baseEnv(options, infra);
    if (kafkaForwarder != null) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + KAFKA_PORT);
    }
    env.put("ORIGIN_URL", originUrl());
    env.put("TRACKER_URL", trackerUrl());
    env.put("TOPOLOGY_URL", topologyUrl());
    if (!deliveries.isEmpty()) {
      Delivery d = deliveries.get(deliveries.size() - 1);
      env.put("EDGE_URLS", String.join(",", d.edgeUrls()));
      env.put("PEER_URLS", String.join(",", d.peers().stream().map(PeerRef::baseUrl).toList()));
    }
    return env;
  }

  public String originUrl() {
    return "http://127.0.0.1:" + origin.port();
  }

  /** Waits for the tracker ({@link #awaitApps()}). */
  public String trackerUrl() {
    awaitApps();
    return "http://127.0.0.1:" + tracker.join().port();
  }

  /** Waits for the topology app ({@link #awaitApps()}). */
  public String topologyUrl() {
    awaitApps();
    return "http://127.0.0.1:" + topology.join().port();
  }

  public String kafkaBootstrapServers() {
    return infra.kafkaBootstrapServers();
  }

  public StackOptions options() {
    return options;
  }

  /** The origin's configuration (for ingests through {@link Ingester}). */
  public OriginConfig originConfig() {
    Map<String, String> env = new HashMap<>(baseEnv(options, infra));
    env.put("HTTP_PORT", Integer.toString(origin.port()));
    env.put("ORIGIN_DB_TIMEOUT_MS", "15000");
    return OriginConfig.from(new Env(env));
  }

  /**
   * Ingests audio files (FFmpeg into HLS in PostgreSQL, SongPublished to the catalog).
   *
   * @param progress one line per song
   * @return the results, in file order
   */
  public List<IngestResult> ingest(List<Path> files, Consumer<String> progress) {
    List<IngestResult> results = new ArrayList<>();
    try (Ingester ingester = Ingester.start(originConfig())) {
      for (Path f : files) {
        IngestResult r = ingester.ingest(f, songId(f), title(f));
        progress.accept(String.format(Locale.ROOT, "ingested %-28s %3d s of audio, %d renditions, in %.1f s",
            r.manifest().songId(), r.manifest().durationMs() / 1000, r.manifest().renditions().size(),
            r.totalMs() / 1000.0));
        results.add(r);
      }
    }
    return results;
  }

  /** The tracks shipped in {@code dir} ({@code *.mp3}), sorted by name. */
  public static List<Path> mediaFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp3")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /**
   * Song id of a file: its name without extension, lower case, {@code _} as {@code -}, e.g.
   * {@code manolo_camp-morning_coffee.mp3 -> manolo-camp-morning-coffee}.
   */
  public static String songId(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String id = (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    return id.length() > 64 ? id.substring(0, 64) : id;
  }

  /**
   * Title of a file named {@code artist-title.ext}: the part after the first {@code -}, with
   * {@code _} as spaces and words capitalised ({@code manolo_camp-morning_coffee.mp3 -> Morning Coffee}).
   */
  static String title(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String t = dot > 0 ? name.substring(0, dot) : name;
    int sep = t.indexOf('-');
    t = (sep > 0 && sep < t.length() - 1 ? t.substring(sep + 1) : t).replace('_', ' ');
    StringBuilder out = new StringBuilder();
    for (String w : t.split(" ")) {
      if (!w.isEmpty()) {
        out.append(out.length() == 0 ? "" : " ").append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
      }
    }
    return out.toString();
  }

  /**
   * Starts a delivery tier: two edges (one per region, fresh caches) and {@code peers} peers.
   *
   * @param name prefix of the edge and peer ids ({@code ""} gives {@code edge-1}, {@code peer-1})
   * @param p2p false: peers go straight to the edges (the CDN-only baseline)
   */
  public Delivery startDelivery(String name, int peers, boolean p2p) {
    awaitApps();
    Delivery d = new Delivery(name, peers, p2p);
    deliveries.add(d);
    return d;
  }

  /**
   * Two edges and a peer host. Implements {@link Churn} for the swarm: joins start a new peer in
   * the host, leaves stop one cleanly or as a crash.
   */
  public final class Delivery implements AutoCloseable, Churn {
    private final List<EdgeServer> edges = new ArrayList<>();
    private final PeerHost host;
    private final String name;
    private final AtomicInteger nextPeer;

    private Delivery(String name, int peerCount, boolean p2p) {
      this.name = name;
      Map<String, String> base = baseEnv(options, infra);
      try {
        for (int i = 0; i < 2; i++) {
          Map<String, String> env = new HashMap<>(base);
          env.put("EDGE_ID", name + "edge-" + (i + 1));
          env.put("REGION", options.regions().get(i % options.regions().size()));
          env.put("HTTP_PORT", options.defaultPorts() ? Integer.toString(EDGE_PORT + i) : "0");
          env.put("ORIGIN_URL", originUrl());
          env.put("EDGE_EVENT_LOOPS", "2");
          // Bounds for a shared 2-core machine: a busy Redis is slow, not down.
          env.put("EDGE_REDIS_TIMEOUT_MS", "2000");
          env.put("EDGE_PG_TIMEOUT_MS", "5000");
          edges.add(EdgeServer.start(EdgeConfig.from(new Env(env))));
        }
        Map<String, String> env = new HashMap<>(base);
        env.remove("REDIS_URL");
        env.put("HTTP_PORT", options.defaultPorts() ? Integer.toString(PEER_PORT) : "0");
        env.put("PEER_COUNT", Integer.toString(peerCount));
        env.put("PEER_ID_PREFIX", name + "peer-");
        env.put("REGIONS", String.join(",", options.regions()));
        env.put("REGION", options.regions().get(0));
        env.put("EDGE_URLS", String.join(",", edgeUrls()));
        env.put("TRACKER_URL", trackerUrl());
        env.put("P2P_ENABLED", Boolean.toString(p2p));
        env.put("CACHE_BYTES", Long.toString(options.peerCacheBytes()));
        env.put("ADVERTISED_HOST", "127.0.0.1");
        env.put("BIND_HOST", "127.0.0.1");
        // Bounds for a loaded laptop running the whole network in one JVM: the defaults (300 ms
        // tracker, 500 ms per holder, 1.5 s P2P budget) are for separate machines.
        env.put("TRACKER_TIMEOUT_MS", "1500");
        env.put("PEER_TIMEOUT_MS", "2000");
        env.put("P2P_BUDGET_MS", "4000");
        env.put("EDGE_TIMEOUT_MS", "10000");
        // TopicAdmin.ensureTopics builds an admin client whose API timeout is this value; below the
        // client's 30 s request timeout the client cannot be created (reported to schemas' owner).
        env.put("TOPICS_TIMEOUT_MS", "30000");
        host = PeerHost.start(PeerHostConfig.from(new Env(env)));
        nextPeer = new AtomicInteger(peerCount);
      } catch (RuntimeException e) {
        edges.forEach(EdgeServer::close);
        throw e;
      }
    }

    /** Base URLs of the two edges. */
    public List<String> edgeUrls() {
      return edges.stream().map(e -> "http://127.0.0.1:" + e.port()).toList();
    }

    /** Edge ids, in order. */
    public List<String> edgeIds() {
      return edges.stream().map(e -> e.config().edgeId()).toList();
    }

    /** Running peers. */
    public List<PeerRef> peers() {
      return host.peers().stream().map(p -> new PeerRef(p.id(), p.region(), p.baseUrl())).toList();
    }

    @Override
    public PeerRef join() {
      int i = nextPeer.getAndIncrement();
      String region = options.regions().get(i % options.regions().size());
      PeerConfig config = host.config().template().withIdentity(name + "peer-" + (i + 1), region, 0);
      HostedPeer p = host.startPeer(config);
      return new PeerRef(p.id(), p.region(), p.baseUrl());
    }

    @Override
    public void leave(String peerId, boolean clean) {
      host.stopPeer(peerId, clean);
    }

    /** Stops the peers (cleanly, flushing their events) and the edges. */
    @Override
    public void close() {
      try {
        host.close();
      } catch (RuntimeException e) {
        LOG.warn("peer host did not stop cleanly: {}", e.toString());
      }
      for (EdgeServer e : edges) {
        try {
          e.close();
        } catch (RuntimeException ex) {
          LOG.warn("edge did not stop cleanly: {}", ex.toString());
        }
      }
      deliveries.remove(this);
    }
  }

  /** Stops every delivery tier, the apps, the origin and the embedded servers, in that order. */
  @Override
  public void close() {
    for (Delivery d : new ArrayList<>(deliveries)) {
      d.close();
    }
    topology.whenComplete((app, e) -> {
      if (app != null) {
        quietly("topology", app::close);
      }
    }).exceptionally(e -> null).join();
    tracker.whenComplete((app, e) -> {
      if (app != null) {
        quietly("tracker", app::close);
      }
    }).exceptionally(e -> null).join();
    quietly("origin", origin::close);
    if (kafkaForwarder != null) {
      kafkaForwarder.close();
    }
    infra.close();
  }

  private static void quietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("{} did not stop cleanly: {}", what, e.toString());
    }
  }
}
