package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.contract.hls.SteeringManifest;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.LocalPorts;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failover with standard HLS (issue 12, item 1): a real peer process ({@code peer-vertx.jar}) is
 * killed with {@code kill -9} while a player plays through it, and the player keeps playing
 * through the pathways of the peer's master playlist and the tracker's steering server, with 0
 * failed requests: first the simulated player of {@code cdn swarm}, then hls.js in headless
 * Chromium ({@link BrowserPlayer}). Real origin (FFmpeg ingest), edge (Redis, PostgreSQL), tracker
 * (Kafka Streams on a real broker); the backup peer runs in this JVM.
 */
class SteeringFailoverIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final String SONG_ID = "morning-coffee";
  static Vertx vertx;
  static WebClient http;
  static Ingester ingester;
  static OriginServer origin;
  static EdgeServer edge;
  static TrackerApp tracker;
  static PeerHost backupHost;
  static String originUrl;
  static String edgeUrl;
  static String trackerUrl;
  static Map<String, String> common;
  /** Peer processes by base URL. */
  static final Map<String, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void startStack(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    String prefix = KAFKA.uniquePrefix("steering");
    common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix);
    OriginConfig originConfig = Services.originConfig(common, PG, Map.of("ORIGIN_RENDITIONS", "64k,128k"));
    ingester = Ingester.start(vertx, originConfig);
    origin = OriginServer.start(vertx, originConfig);
    ingester.ingest(Path.of("../media/manolo_camp-morning_coffee.mp3"), SONG_ID, "Morning Coffee");
    originUrl = "http://127.0.0.1:" + origin.port();

    edge = Services.startEdge(vertx, common, PG, REDIS, "edge-local", originUrl, Map.of("REGION", "local"));
    edgeUrl = "http://127.0.0.1:" + edge.port();

    Map<String, String> trackerEnv = new HashMap<>(common);
    trackerEnv.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", prefix + "tracker",
        "TRACKER_HEARTBEAT_INTERVAL_MS", "500", "TRACKER_PEER_TTL_MS", "2000",
        "TRACKER_STEERING_TTL_MS", "1000", "TRACKER_STATE_DIR", tmp.resolve("tracker").toString(),
        "TRACKER_STANDBY_REPLICAS", "0"));
    tracker = TrackerApp.start(vertx, TrackerConfig.from(new Env(trackerEnv)));
    trackerUrl = "http://127.0.0.1:" + tracker.port();

    backupHost = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv("backup", 0))));
    awaitLive("backup");
  }

  @AfterAll
  static void stopStack() {
    processes.values().forEach(Process::destroyForcibly);
    Shutdown.closeAll(vertx, backupHost, tracker, edge, origin, ingester);
  }

  static Map<String, String> peerEnv(String id, int port) {
    Map<String, String> env = new HashMap<>(common);
    env.putAll(Map.of("PEER_ID", id, "REGION", "local", "HTTP_PORT", Integer.toString(port), "BIND_HOST", "127.0.0.1",
        "EDGE_URLS", edgeUrl, "TRACKER_URL", trackerUrl, "HEARTBEAT_MS", "500", "READ_AHEAD", "1"));
    return env;
  }

  /** A peer as its own OS process ({@code java -jar peer-vertx.jar}); returns its base URL once the tracker lists it. */
  static String startPeerProcess(String id) throws Exception {
    int port = LocalPorts.free();
    Path jar = Path.of("../peer-vertx/target/peer-vertx.jar").toAbsolutePath();
    assertThat(jar).as("peer-vertx is packaged before system-tests runs (reactor order)").exists();
    Path log = Files.createDirectories(Path.of("target/steering-it")).resolve(id + ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(peerEnv(id, port));
    String baseUrl = "http://127.0.0.1:" + port;
    processes.put(baseUrl, pb.start());
    awaitLive(id);
    return baseUrl;
  }

  /** {@code kill -9}: no PeerLeft, its connections cut by the kernel. */
  static void kill9(String baseUrl) throws Exception {
    Process p = processes.get(baseUrl);
    assertThat(new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor()).isZero();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Until the tracker's steering server (its global peer directory) knows the peer as live: asked
   * for another player whose current pathway is this peer, it keeps the peer first as the backup
   * only while the peer is a live peer of the region.
   */
  static void awaitLive(String peerId) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        steering("observer", peerId).pathwayPriority().get(0).equals(peerId));
  }

  static SteeringManifest steering(String peerId) {
    return steering(peerId, peerId);
  }

  static SteeringManifest steering(String peerId, String currentPathway) {
    var r = http.getAbs(trackerUrl + "/steering/" + SONG_ID + "?peer=" + peerId + "&region=local&edges=edge-local"
        + "&_HLS_pathway=" + currentPathway).send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    return SteeringManifest.parse(r.bodyAsString());
  }

  @Test
  void aSimulatedPlayerKeepsPlayingWhenItsPeerIsKilled() throws Exception {
    String victim = startPeerProcess("victim-sim");
    assertThat(steering("victim-sim").pathwayPriority()).containsExactly("victim-sim", "backup", "edge-local");
    SwarmOptions o = SwarmOptions.defaults().withPlayers(1).withSpeedup(10).withRamp(Duration.ZERO)
        .withRendition("64k").withDeadline(Duration.ofMinutes(3));
    try (Swarm swarm = new Swarm(originUrl, new PeerDirectory(List.of(new PeerRef("victim-sim", "local", victim))),
        null, o)) {
      CompletableFuture<Swarm.Result> run = CompletableFuture.supplyAsync(() -> {
        try {
          return swarm.run();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> swarm.segmentsDone() >= 3);
      kill9(victim);
      Swarm.Result result = run.get(3, TimeUnit.MINUTES);

      assertThat(result.failures()).as("no player request failed").isEmpty();
      assertThat(result.failovers()).as("requests moved to another pathway").isPositive();
      List<PlayerRequest> segments = result.requests().stream()
          .filter(r -> r.kind() == PlayerRequest.Kind.SEGMENT).toList();
      int expected = http.getAbs(edgeUrl + "/songs/" + SONG_ID).send().await().bodyAsJsonObject()
          .getJsonArray("renditions").getJsonObject(0).getJsonArray("segments").size();
      assertThat(segments).as("the whole song").hasSize(expected);
      assertThat(segments.get(0).url()).startsWith(victim);
      assertThat(segments.get(segments.size() - 1).url()).as("after the kill: the backup peer")
          .startsWith(backupHost.peers().get(0).baseUrl());
      System.out.printf("simulated player: %d segments, 0 failed, %d failovers%n", segments.size(),
          result.failovers());
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(steering("victim-sim").pathwayPriority()).as("the dead peer's pathway drops out")
            .containsExactly("backup", "edge-local"));
  }

  @Test
  void hlsJsInHeadlessChromiumPlaysToTheEndThroughAKilledPeer() throws Exception {
    BrowserPlayer.requireBrowser();
    String victim = startPeerProcess("victim-browser");
    HttpServer page = vertx.createHttpServer().requestHandler(BrowserPlayer.pageRouter(vertx)).listen(0, "127.0.0.1")
        .await();
    try (BrowserPlayer browser = BrowserPlayer.open()) {
      browser.play("http://127.0.0.1:" + page.actualPort() + "/", victim + "/hls/" + SONG_ID + "/master.m3u8");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(browser.fragmentsLoaded()).as("fragments loaded; hls.js errors %s", browser.errors())
              .isGreaterThanOrEqualTo(3));
      kill9(victim);
      long killedAt = System.nanoTime();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() ->
          browser.ended() || !browser.fatalErrors().isEmpty());
      System.out.printf("hls.js: ended %.1f s after the kill, %d fragments, non-fatal errors %s, last fragment %s%n",
          (System.nanoTime() - killedAt) / 1e9, browser.fragmentsLoaded(), browser.errors(), browser.lastFragment());
      assertThat(browser.fatalErrors()).as("no fatal hls.js error").isEmpty();
      assertThat(browser.ended()).as("the song played to its end").isTrue();
      assertThat(browser.lastFragment()).as("the end came from another pathway").doesNotStartWith(victim);
    } finally {
      page.close().await();
    }
  }
}
