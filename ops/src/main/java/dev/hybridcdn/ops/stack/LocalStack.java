package dev.hybridcdn.ops.stack;

import dev.hybridcdn.dashboard.DashboardApp;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.tls.LocalCa;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.network.NetNode;
import dev.hybridcdn.servicekit.network.NodeKind;
import dev.hybridcdn.servicekit.network.ShapedNetwork;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.tls.TlsSettings;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole network in this JVM, started through each module's in-JVM start API (README, "In-JVM
 * start API of every service"): embedded Kafka, PostgreSQL and Redis ({@link EmbeddedInfra}), the
 * origin, the tracker (one or more instances) and topology apps; then one or more delivery tiers ({@link Delivery}: two
 * edges and a host of N peers). Each service gets its configuration the way a process would, from
 * an {@link Env} built from the same variables (see {@link #env()}).
 */
public final class LocalStack implements AutoCloseable {
  static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
  /** ARCHITECTURE.md, "Processes, ports and metrics". */
  public static final int ORIGIN_PORT = 8081;
  public static final int EDGE_PORT = 8082;
  public static final int TRACKER_PORT = 7070;
  public static final int TOPOLOGY_PORT = 8090;
  public static final int PEER_PORT = 9000;
  public static final int KAFKA_PORT = 9092;
  public static final int DASHBOARD_PORT = DashboardConfig.DEFAULT_HTTP_PORT;

  private final StackOptions options;
  private final String clusterSecret = TrustSettings.newSecret();
  /** Player tokens of this stack ({@code --auth}), null when player routes are open. */
  private final PlayerTokens playerTokens;
  private final EmbeddedInfra infra;
  private final OriginServer origin;
  private final List<CompletableFuture<TrackerApp>> trackers = new ArrayList<>();
  private CompletableFuture<TopologyApp> topology;
  private CompletableFuture<DashboardApp> dashboard;
  private final List<Delivery> deliveries = new ArrayList<>();
  private PortForwarder kafkaForwarder;
  private volatile String eventEncoding;
  /** The emulated network, or null (StackOptions.network). */
  private final ShapedNetwork network;
  /** The origin's front under the emulated network, else its own port. */
  private final String originUrl;
  /** The stack's CA ({@code StackOptions.tlsDir}), or null: plain HTTP. */
  private final LocalCa ca;

  private LocalStack(StackOptions options, EmbeddedInfra infra, OriginServer origin, ShapedNetwork network, LocalCa ca) {
    this.options = options;
    this.playerTokens = options.playerTokenSecret() == null ? null : PlayerTokens.of(options.playerTokenSecret());
    this.infra = infra;
    this.origin = origin;
    this.network = network;
    this.ca = ca;
    if (network == null) {
      this.originUrl = origin.baseUrl();
    } else {
      NetNode node = network.register(NodeKind.ORIGIN, "origin", network.model().originRegion());
      this.originUrl = "http://" + node.address() + ":" + network.front(node, 0, origin.port());
    }
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
    // Installed before any service starts: HttpVerticles fronts the servers bound to its node addresses.
    ShapedNetwork network = options.network() == null ? null
        : ShapedNetwork.install(options.network(), options.fronts());
    EmbeddedInfra infra;
    try {
      infra = EmbeddedInfra.start(options.dataDir());
    } catch (RuntimeException e) {
      if (network != null) {
        network.close();
      }
      throw e;
    }
    progress.accept(String.format(Locale.ROOT, "Kafka %s, PostgreSQL 127.0.0.1:%d, Redis %s ready in %.1f s",
        infra.kafkaBootstrapServers(), infra.postgresPort(), infra.redisUrl(), infra.startTime().toMillis() / 1000.0));
    LocalCa ca = null;
    OriginServer origin;
    try {
      if (options.tlsDir() != null) {
        ca = LocalCa.create(options.tlsDir(), "hybrid-cdn local CA");
        progress.accept("HTTPS everywhere: a new local CA " + ca.caFile() + " and a certificate per service");
      }
      Map<String, String> originEnv = new HashMap<>(baseEnv(options, infra));
      originEnv.putAll(tlsEnv(ca, "origin"));
      originEnv.put("HTTP_PORT", port(options, ORIGIN_PORT));
      // A fresh embedded PostgreSQL on a busy laptop can take seconds to answer the first queries.
      originEnv.put("ORIGIN_DB_TIMEOUT_MS", "15000");
      // How long a re-ingest's superseded segments stay served (`ORIGIN_RETENTION_MS=30000 ./cdn up`).
      String retention = System.getenv("ORIGIN_RETENTION_MS");
      if (retention != null) {
        originEnv.put("ORIGIN_RETENTION_MS", retention);
      }
      origin = OriginServer.start(OriginConfig.from(new Env(originEnv)));
    } catch (RuntimeException e) {
      infra.close();
      if (network != null) {
        network.close();
      }
      throw new IllegalStateException("the origin did not start: " + e.getMessage(), e);
    }
    progress.accept("origin listening on :" + origin.port());
    LocalStack stack = new LocalStack(options, infra, origin, network, ca);
    if (network != null) {
      progress.accept("emulated network: origin in " + options.network().originRegion() + " behind " + stack.originUrl());
    }
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
    base.put("CLUSTER_SECRET", clusterSecret); // the verifiers of the peers' and edges' events
    long t0 = System.nanoTime();
    for (int i = 0; i < options.trackers(); i++) {
      Map<String, String> trackerEnv = trackerEnv(base, i);
      trackerEnv.putAll(tlsEnv(ca, "tracker-" + (i + 1)));
      trackers.add(CompletableFuture.supplyAsync(() -> startWithRetry("tracker " + trackerEnv.get("HTTP_PORT"),
          () -> TrackerApp.start(TrackerConfig.from(new Env(trackerEnv))))));
    }
    Map<String, String> topologyEnv = new HashMap<>(base);
    topologyEnv.put("HTTP_PORT", port(options, TOPOLOGY_PORT));
    topologyEnv.putAll(tlsEnv(ca, "topology"));
    topologyEnv.put("TOPOLOGY_STATE_DIR", options.dataDir().resolve("topology").toString());
    topology = CompletableFuture.supplyAsync(
        () -> startWithRetry("topology", () -> TopologyApp.start(TopologyConfig.from(new Env(topologyEnv)))));
    apps().thenRun(() -> progress.accept(String.format(Locale.ROOT,
        "tracker %s and topology :%d running (Kafka Streams) in %.1f s", String.join(", ", trackerUrls()),
        topology.join().port(), (System.nanoTime() - t0) / 1e9)));
    // the dashboard relays the topology app's graph and reads the event topics: started once the apps run
    dashboard = apps().thenApply(v -> {
      Map<String, String> env = new HashMap<>(base);
      env.put("HTTP_PORT", port(options, DASHBOARD_PORT));
      env.putAll(tlsEnv(ca, "dashboard"));
      env.put("TOPOLOGY_URL", topologyUrl());
      env.put("TRACKER_URLS", String.join(",", trackerUrls()));
      env.put("ORIGIN_URL", originUrl());
      putPlayerTokenSecret(env); // the web player's tokens are signed by the dashboard
      DashboardApp app = DashboardApp.start(DashboardConfig.from(new Env(env)));
      progress.accept("dashboard " + app.url() + "/ (web player " + app.url() + "/player.html)");
      return app;
    });
  }

  /**
   * Instance {@code i} of the tracker: the same application id for all (Kafka Streams splits the
   * partitions between them and each answers any lookup), its own port and state directory.
   */
  private Map<String, String> trackerEnv(Map<String, String> base, int i) {
    Map<String, String> env = new HashMap<>(base);
    env.put("HTTP_PORT", options.defaultPorts() ? Integer.toString(TRACKER_PORT + i) : "0");
    env.put("TRACKER_STATE_DIR", options.dataDir().resolve(i == 0 ? "tracker" : "tracker-" + (i + 1)).toString());
    env.put("TRACKER_STANDBY_REPLICAS", "0");
    // Every service shares this JVM's CPU: a heartbeat (every 2 s) can be seconds late on a busy
    // laptop, so a crashed peer is reaped after 15 s instead of the default 3 x 2 s.
    env.put("TRACKER_PEER_TTL_MS", "15000");
    return env;
  }

  private CompletableFuture<Void> apps() {
    List<CompletableFuture<?>> all = new ArrayList<>(trackers);
    all.add(topology);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /**
   * Waits until the tracker and topology apps run.
   *
   * @throws IllegalStateException when one did not start
   */
  public void awaitApps() {
    try {
      apps().join();
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

  /**
   * The TLS variables of one service: its own certificate for 127.0.0.1, ::1 and localhost
   * ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}) and the CA ({@code TLS_CA_FILE}); none without a CA.
   */
  private static Map<String, String> tlsEnv(LocalCa ca, String service) {
    if (ca == null) {
      return Map.of();
    }
    LocalCa.Issued cert = ca.issue(service, LocalCa.LOCAL_HOSTS);
    return Map.of(TlsSettings.CERT_FILE, cert.certFile().toString(), TlsSettings.KEY_FILE, cert.keyFile().toString(),
        TlsSettings.CA_FILE, ca.caFile().toString());
  }

  /** {@link #tlsEnv(LocalCa, String)} of this stack's CA, for the services of a delivery tier. */
  Map<String, String> tlsEnv(String service) {
    return tlsEnv(ca, service);
  }

  /** How this stack's clients trust its servers: the CA's file, or the JVM's default alone. */
  public TlsSettings clientTls() {
    return ca == null ? TlsSettings.off() : new TlsSettings(null, null, ca.caFile());
  }

  /** {@code http(s)://127.0.0.1:<port>}, the scheme the stack's services serve. */
  String localUrl(int port) {
    return (ca == null ? "http" : "https") + "://127.0.0.1:" + port;
  }

  private static String port(StackOptions options, int defaultPort) {
    return options.defaultPorts() ? Integer.toString(defaultPort) : "0";
  }

  private static Map<String, String> baseEnv(StackOptions options, EmbeddedInfra infra) {
    Map<String, String> env = baseEnv(infra.kafkaBootstrapServers(), options.topicPrefix(), infra.postgresPort(),
        infra.redisUrl());
    if (options.schemaRegistryUrl() != null) {
      env.put("SCHEMA_REGISTRY_URL", options.schemaRegistryUrl());
    }
    return env;
  }

  /**
   * The variables every service of a local stack starts from: {@code KAFKA_BOOTSTRAP_SERVERS},
   * {@code TOPIC_PREFIX}, {@code PG*} (127.0.0.1, database, user and password {@code postgres}),
   * {@code REDIS_URL}, {@code BIND_HOST} {@code 127.0.0.1} (issue 16: a local stack listens on loopback only;
   * docker compose keeps the services' default, every interface of the container); in a mutable map, in that order.
   */
  public static Map<String, String> baseEnv(String bootstrap, String topicPrefix, int postgresPort, String redisUrl) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("TOPIC_PREFIX", topicPrefix);
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(postgresPort));
    env.put("PGDATABASE", "postgres");
    env.put("PGUSER", "postgres");
    env.put("PGPASSWORD", "postgres");
    env.put("REDIS_URL", redisUrl);
    env.put("BIND_HOST", "127.0.0.1");
    return env;
  }

  /**
   * The variables a process needs to reach this stack: {@code KAFKA_BOOTSTRAP_SERVERS},
   * {@code TOPIC_PREFIX}, {@code PG*}, {@code REDIS_URL}, {@code ORIGIN_URL}, {@code TRACKER_URLS}
   * (every instance, as peers take it), {@code TRACKER_URL} (the first, for {@code cdn swarm}),
   * {@code TOPOLOGY_URL}, {@code DASHBOARD_URL}, {@code PLAYER_TOKEN_SECRET} with {@code --auth},
   * {@code SCHEMA_REGISTRY_URL} in registry mode, {@code TLS_CA_FILE} over HTTPS and, once a
   * delivery tier runs, {@code EDGE_URLS} and {@code PEER_URLS}.
   */
  public Map<String, String> env() {
    Map<String, String> env = baseEnv(options, infra);
    if (kafkaForwarder != null) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + KAFKA_PORT);
    }
    env.put("ORIGIN_URL", originUrl());
    env.put("TRACKER_URL", trackerUrl());
    env.put("TRACKER_URLS", String.join(",", trackerUrls()));
    env.put("TOPOLOGY_URL", topologyUrl());
    env.put("DASHBOARD_URL", dashboardUrl());
    putPlayerTokenSecret(env); // for cdn token and cdn swarm (.cdn/stack.env, never committed)
    if (ca != null) {
      env.put(TlsSettings.CA_FILE, ca.caFile().toString()); // for cdn swarm, get, list
    }
    if (!deliveries.isEmpty()) {
      Delivery d = deliveries.get(deliveries.size() - 1);
      env.put("EDGE_URLS", String.join(",", d.edgeUrls()));
      env.put("PEER_URLS", String.join(",", d.peers().stream().map(PeerRef::baseUrl).toList()));
    }
    return env;
  }

  /** The player tokens of this stack ({@code --auth}): what simulated players sign with; null when off. */
  public PlayerTokens playerTokens() {
    return playerTokens;
  }

  private void putPlayerTokenSecret(Map<String, String> env) {
    if (options.playerTokenSecret() != null) {
      env.put(PlayerTokens.SECRET, options.playerTokenSecret());
    }
  }

  /** The origin as edges reach it (its front under an emulated network). */
  public String originUrl() {
    return originUrl;
  }

  /** The emulated network, or null when the stack runs on plain loopback. */
  public ShapedNetwork network() {
    return network;
  }

  /** The first tracker instance; waits for the apps ({@link #awaitApps()}). */
  public String trackerUrl() {
    return trackerUrls().get(0);
  }

  /** Every tracker instance, in start order; waits for the apps ({@link #awaitApps()}). */
  public List<String> trackerUrls() {
    awaitApps();
    return trackers.stream().map(t -> localUrl(t.join().port())).toList();
  }

  /** Waits for the topology app ({@link #awaitApps()}). */
  public String topologyUrl() {
    awaitApps();
    return localUrl(topology.join().port());
  }

  /** The dashboard ({@code /}; the web player at {@code /player.html}); waits for it to start. */
  public String dashboardUrl() {
    awaitApps();
    try {
      return dashboard.join().url();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("the dashboard did not start: " + cause.getMessage(), cause);
    }
  }

  public String kafkaBootstrapServers() {
    return infra.kafkaBootstrapServers();
  }

  public StackOptions options() {
    return options;
  }

  /**
   * The variables every service of this stack starts from (Kafka, PostgreSQL, Redis, registry, the
   * cluster secret; the player token secret with {@code --auth}): what a service started beside the
   * stack needs to join it.
   */
  public Map<String, String> baseEnv() {
    Map<String, String> env = baseEnv(options, infra);
    // Event authentication on (issue 16): one secret per stack, shared by the trackers and topology
    // (verifiers) and the peer hosts and edges (which admit their own nodes). Never in env(): the
    // stack file other commands read does not need it.
    env.put("CLUSTER_SECRET", clusterSecret);
    putPlayerTokenSecret(env); // edges and peers check player tokens; peers sign their own requests
    if (eventEncoding != null) {
      env.put("EVENT_ENCODING", eventEncoding);
    }
    return env;
  }

  /**
   * Registry mode: {@code EVENT_ENCODING} of the delivery tiers started from now on
   * ({@code single-object} then {@code confluent} is a migration: every service reads both).
   */
  public void eventEncoding(String encoding) {
    this.eventEncoding = encoding;
  }

  /** A delivery tier stopped: it no longer counts for {@link #env()}. */
  void closed(Delivery d) {
    deliveries.remove(d);
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
    return ingest(originConfig(), files, progress);
  }

  /**
   * Ingests audio files with FFmpeg into the PostgreSQL and Kafka of {@code config}, in this JVM
   * (song id and title from the file names, {@link MediaFiles}).
   *
   * @param progress one line per song
   * @return the results, in file order
   */
  public static List<IngestResult> ingest(OriginConfig config, List<Path> files, Consumer<String> progress) {
    List<IngestResult> results = new ArrayList<>();
    try (Ingester ingester = Ingester.start(config)) {
      for (Path f : files) {
        IngestResult r = ingester.ingest(f, MediaFiles.songId(f), MediaFiles.title(f));
        progress.accept(String.format(Locale.ROOT, "ingested %-28s %3d s of audio, %d renditions, in %.1f s",
            r.manifest().songId(), r.manifest().durationMs() / 1000, r.manifest().renditions().size(),
            r.totalMs() / 1000.0));
        results.add(r);
      }
    }
    return results;
  }

  /**
   * Starts a delivery tier: two edges (one per region, fresh caches) and {@code peers} peers.
   *
   * @param name prefix of the edge and peer ids ({@code ""} gives {@code edge-1}, {@code peer-1})
   * @param p2p false: peers go straight to the edges (the CDN-only baseline)
   */
  public Delivery startDelivery(String name, int peers, boolean p2p) {
    return startDelivery(name, peers, p2p, Map.of());
  }

  /**
   * The same, with {@code peerSettings} (peer-vertx variables) over the local stack's for every peer, e.g.
   * {@code PUSH_CACHE_SHARE=0} and {@code WARM_START_SONGS=0} for a bench whose holders must stay where it put
   * them.
   */
  public Delivery startDelivery(String name, int peers, boolean p2p, Map<String, String> peerSettings) {
    awaitApps();
    Delivery d = new Delivery(this, name, peers, p2p, false, peerSettings);
    deliveries.add(d);
    return d;
  }

  /**
   * Starts a traditional CDN: two fresh edges and no peer; {@code players} machines fetch from
   * their region's edge directly ({@link Delivery#peers()}).
   */
  public Delivery startEdgesOnly(String name, int players) {
    awaitApps();
    Delivery d = new Delivery(this, name, players, false, true, Map.of());
    deliveries.add(d);
    return d;
  }

  /** Stops every delivery tier, the apps, the origin and the embedded servers, in that order. */
  @Override
  public void close() {
    if (dashboard != null) {
      dashboard.whenComplete((app, e) -> {
        if (app != null) {
          quietly("dashboard", app::close);
        }
      }).exceptionally(e -> null).join();
    }
    for (Delivery d : new ArrayList<>(deliveries)) {
      d.close();
    }
    topology.whenComplete((app, e) -> {
      if (app != null) {
        quietly("topology", app::close);
      }
    }).exceptionally(e -> null).join();
    for (CompletableFuture<TrackerApp> tracker : trackers) {
      tracker.whenComplete((app, e) -> {
        if (app != null) {
          quietly("tracker", app::close);
        }
      }).exceptionally(e -> null).join();
    }
    quietly("origin", origin::close);
    if (kafkaForwarder != null) {
      kafkaForwarder.close();
    }
    infra.close();
    if (network != null) {
      network.close();
    }
  }

  private static void quietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("{} did not stop cleanly: {}", what, e.toString());
    }
  }
}
