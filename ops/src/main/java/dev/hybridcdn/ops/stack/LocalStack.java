package dev.hybridcdn.ops.stack;

import dev.hybridcdn.dashboard.DashboardApp;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.ops.tls.LocalCa;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
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
 * an {@link Env} built from the same variables ({@link ServiceEnv}; see {@link #env()}).
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
  private final ServiceEnv serviceEnv;
  /** Player tokens of this stack ({@code --auth}), null when player routes are open. */
  private final PlayerTokens playerTokens;
  private final EmbeddedInfra infra;
  private final OriginServer origin;
  private final List<CompletableFuture<TrackerApp>> trackers = new ArrayList<>();
  private CompletableFuture<TopologyApp> topology;
  private CompletableFuture<DashboardApp> dashboard;
  private final List<Delivery> deliveries = new ArrayList<>();
  private PortForwarder kafkaForwarder;
  /** The emulated network, or null (StackOptions.network). */
  private final ShapedNetwork network;
  /** The origin's front under the emulated network, else its own port. */
  private final String originUrl;

  private LocalStack(StackOptions options, EmbeddedInfra infra, OriginServer origin, ShapedNetwork network,
      ServiceEnv serviceEnv) {
    this.options = options;
    this.serviceEnv = serviceEnv;
    this.playerTokens = options.playerTokenSecret() == null ? null : PlayerTokens.of(options.playerTokenSecret());
    this.infra = infra;
    this.origin = origin;
    this.network = network;
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
    ServiceEnv serviceEnv;
    try {
      if (options.tlsDir() != null) {
        ca = LocalCa.create(options.tlsDir(), "hybrid-cdn local CA");
        progress.accept("HTTPS everywhere: a new local CA " + ca.caFile() + " and a certificate per service");
      }
      serviceEnv = new ServiceEnv(options, infra, ca);
      origin = OriginServer.start(OriginConfig.from(new Env(serviceEnv.originEnv())));
    } catch (RuntimeException e) {
      infra.close();
      if (network != null) {
        network.close();
      }
      throw new IllegalStateException("the origin did not start: " + e.getMessage(), e);
    }
    progress.accept("origin listening on :" + origin.port());
    LocalStack stack = new LocalStack(options, infra, origin, network, serviceEnv);
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
    long t0 = System.nanoTime();
    for (int i = 0; i < options.trackers(); i++) {
      Map<String, String> trackerEnv = serviceEnv.trackerEnv(i);
      trackers.add(CompletableFuture.supplyAsync(() -> startWithRetry("tracker " + trackerEnv.get("HTTP_PORT"),
          () -> TrackerApp.start(TrackerConfig.from(new Env(trackerEnv))))));
    }
    Map<String, String> topologyEnv = serviceEnv.topologyEnv();
    topology = CompletableFuture.supplyAsync(
        () -> startWithRetry("topology", () -> TopologyApp.start(TopologyConfig.from(new Env(topologyEnv)))));
    apps().thenRun(() -> progress.accept(String.format(Locale.ROOT,
        "tracker %s and topology :%d running (Kafka Streams) in %.1f s", String.join(", ", trackerUrls()),
        topology.join().port(), (System.nanoTime() - t0) / 1e9)));
    // the dashboard relays the topology app's graph and reads the event topics: started once the apps run
    dashboard = apps().thenApply(v -> {
      Map<String, String> env = serviceEnv.dashboardEnv(topologyUrl(), trackerUrls(), originUrl());
      DashboardApp app = DashboardApp.start(DashboardConfig.from(new Env(env)));
      progress.accept("dashboard " + app.url() + "/ (web player " + app.url() + "/player.html)");
      return app;
    });
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

  /** What every service of a local stack starts from ({@link ServiceEnv#baseEnv(String, String, int, String)}). */
  public static Map<String, String> baseEnv(String bootstrap, String topicPrefix, int postgresPort, String redisUrl) {
    return ServiceEnv.baseEnv(bootstrap, topicPrefix, postgresPort, redisUrl);
  }

  /** {@link ServiceEnv#tlsEnv(String)}: the TLS variables of a delivery tier's service. */
  Map<String, String> tlsEnv(String service) {
    return serviceEnv.tlsEnv(service);
  }

  /** How this stack's clients trust its servers ({@link ServiceEnv#clientTls()}). */
  public TlsSettings clientTls() {
    return serviceEnv.clientTls();
  }

  /** The variables a process needs to reach this stack, {@code .cdn/stack.env} ({@link ServiceEnv#stackFile}). */
  public Map<String, String> env() {
    return serviceEnv.stackFile(kafkaForwarder != null, originUrl(), trackerUrls(), topologyUrl(), dashboardUrl(),
        deliveries);
  }

  /** The player tokens of this stack ({@code --auth}): what simulated players sign with; null when off. */
  public PlayerTokens playerTokens() {
    return playerTokens;
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
    return trackers.stream().map(t -> serviceEnv.localUrl(t.join().port())).toList();
  }

  /** Waits for the topology app ({@link #awaitApps()}). */
  public String topologyUrl() {
    awaitApps();
    return serviceEnv.localUrl(topology.join().port());
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

  /** What a service started beside the stack needs to join it ({@link ServiceEnv#baseEnv()}). */
  public Map<String, String> baseEnv() {
    return serviceEnv.baseEnv();
  }

  /** Registry mode: {@code EVENT_ENCODING} of the delivery tiers started from now on ({@link ServiceEnv}). */
  public void eventEncoding(String encoding) {
    serviceEnv.eventEncoding(encoding);
  }

  /** A delivery tier stopped: it no longer counts for {@link #env()}. */
  void closed(Delivery d) {
    deliveries.remove(d);
  }

  /** The origin's configuration (for ingests through {@link Ingester}; {@link ServiceEnv#originConfig}). */
  public OriginConfig originConfig() {
    return serviceEnv.originConfig(origin.port());
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
