package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.dashboard.DashboardApp;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.topology.TopologyApp;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard and the web player (issue 17) in headless Chromium against a running network: real
 * origin (FFmpeg ingest), edge (Redis, PostgreSQL), tracker and topology apps (Kafka Streams on a real
 * broker), three peers and the dashboard, all on loopback. The pages are the dashboard jar's own
 * ({@code webroot}, with the libraries the build bundled); screenshots go to
 * {@code target/dashboard-it/}. The 1000-peer figures are in {@link Dashboard1000PeersIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the player first: the dashboard's screenshot then shows deliveries
class DashboardIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final String SONG_ID = "morning-coffee";
  static final Path SHOTS = Path.of("target/dashboard-it");
  static Vertx vertx;
  static WebClient http;
  static Ingester ingester;
  static OriginServer origin;
  static EdgeServer edge;
  static TrackerApp tracker;
  static TopologyApp topology;
  static PeerHost peers;
  static DashboardApp dashboard;
  static String trackerUrl;

  @BeforeAll
  static void startStack(@TempDir Path tmp) throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    String prefix = KAFKA.uniquePrefix("dashboard");
    Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix);
    Map<String, String> pg = Map.of("PGHOST", PG.host(), "PGPORT", Integer.toString(PG.port()),
        "PGDATABASE", PG.database(), "PGUSER", PG.user(), "PGPASSWORD", PG.password());

    Map<String, String> originEnv = new HashMap<>(common);
    originEnv.putAll(pg);
    originEnv.putAll(Map.of("HTTP_PORT", "0", "ORIGIN_RENDITIONS", "64k,128k"));
    OriginConfig originConfig = OriginConfig.from(new Env(originEnv));
    ingester = Ingester.start(vertx, originConfig);
    origin = OriginServer.start(vertx, originConfig);
    ingester.ingest(Path.of("../media/manolo_camp-morning_coffee.mp3"), SONG_ID, "Morning Coffee");
    String originUrl = "http://127.0.0.1:" + origin.port();

    Map<String, String> edgeEnv = new HashMap<>(common);
    edgeEnv.putAll(pg);
    edgeEnv.putAll(Map.of("HTTP_PORT", "0", "EDGE_ID", "edge-local", "REGION", "local", "ORIGIN_URL", originUrl,
        "REDIS_URL", REDIS.url(), "EDGE_REDIS_KEY_PREFIX", REDIS.keyPrefix()));
    edge = EdgeServer.start(vertx, EdgeConfig.from(new Env(edgeEnv)));
    String edgeUrl = "http://127.0.0.1:" + edge.port();

    Map<String, String> trackerEnv = new HashMap<>(common);
    trackerEnv.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", prefix + "tracker",
        "TRACKER_STATE_DIR", tmp.resolve("tracker").toString(), "TRACKER_STANDBY_REPLICAS", "0"));
    tracker = TrackerApp.start(vertx, TrackerConfig.from(new Env(trackerEnv)));
    trackerUrl = "http://127.0.0.1:" + tracker.port();

    Map<String, String> topologyEnv = new HashMap<>(common);
    topologyEnv.putAll(Map.of("HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", prefix + "topology",
        "TOPOLOGY_STATE_DIR", tmp.resolve("topology").toString(), "TOPOLOGY_HTTP_INSTANCES", "1"));
    topology = TopologyApp.start(vertx, TopologyConfig.from(new Env(topologyEnv)));

    Map<String, String> dashboardEnv = new HashMap<>(common);
    dashboardEnv.putAll(Map.of("HTTP_PORT", "0", "TOPOLOGY_URL", "http://127.0.0.1:" + topology.port(),
        "TRACKER_URLS", trackerUrl, "ORIGIN_URL", originUrl));
    dashboard = DashboardApp.start(vertx, DashboardConfig.from(new Env(dashboardEnv)));

    Map<String, String> peerEnv = new HashMap<>(common);
    peerEnv.putAll(Map.of("PEER_COUNT", "3", "HTTP_PORT", "0", "BIND_HOST", "127.0.0.1", "REGIONS", "eu-west,us-east",
        "EDGE_URLS", edgeUrl, "TRACKER_URL", trackerUrl, "HEARTBEAT_MS", "500", "PROBE_MS", "500"));
    peers = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv)));
    await().atMost(Duration.ofSeconds(60)).until(() -> trackerPeerIds().size() == 3);
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stopStack() {
    Shutdown.closeAll(vertx, dashboard, peers, topology, tracker, edge, origin, ingester);
  }

  static Set<String> trackerPeerIds() {
    JsonObject body = http.getAbs(trackerUrl + "/peers").send().await().bodyAsJsonObject();
    Set<String> ids = new HashSet<>();
    body.getJsonArray("peers").forEach(p -> ids.add(((JsonObject) p).getString("peerId")));
    return ids;
  }

  @SuppressWarnings("unchecked")
  static List<String> drawnPeers(ChromeDriver browser) {
    return (List<String>) browser.executeScript("return window.dash.peerIds();");
  }

  static Object js(ChromeDriver browser, String script, Object... args) {
    return browser.executeScript(script, args);
  }

  @SuppressWarnings("unchecked")
  @Test
  @Order(2)
  void theDashboardShowsEveryLivePeerAndANewPeerWithinTwoSecondsOfItsJoin() throws Exception {
    BrowserPlayer.requireChromium();
    ChromeDriver browser = BrowserPlayer.chromium();
    try {
      long opened = System.nanoTime();
      browser.get(dashboard.url() + "/");
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
          js(browser, "return window.dash.graphReadyMs;") != null);
      System.out.printf("dashboard: page load to graph drawn %.0f ms (wall, incl. WebDriver), first contentful "
              + "paint %s ms, graph drawn at %s ms (performance.now)%n", (System.nanoTime() - opened) / 1e6,
          js(browser, "return window.dash.firstContentfulPaint();"), js(browser, "return window.dash.graphReadyMs;"));

      Set<String> live = trackerPeerIds();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(drawnPeers(browser)).as("every live peer the tracker lists").containsAll(live));

      String newId = "peer-new";
      HostedPeer first = peers.peers().get(0);
      long joining = System.nanoTime();
      peers.startPeer(peers.config().template().withIdentity(newId, "eu-west", 0));
      long started = System.nanoTime();
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
          assertThat(drawnPeers(browser)).as("the new peer, within 2 s of its join").contains(newId));
      long shown = System.nanoTime();
      System.out.printf("dashboard: new peer drawn %.0f ms after its start began (%.0f ms after it listened)%n",
          (shown - joining) / 1e6, (shown - started) / 1e6);

      // links peer -> edge (probes every 500 ms): the lowest-RTT path between two peers runs through the edge
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(((Number) js(browser,
          "return window.dash.cy.edges().length;")).intValue()).isGreaterThanOrEqualTo(2));
      String other = peers.peers().get(1).id();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Map<String, Object> path = (Map<String, Object>) browser.executeAsyncScript(
            "const done = arguments[arguments.length - 1]; window.dash.showPath(arguments[0], arguments[1]).then(done);",
            first.id(), other);
        assertThat((List<String>) path.get("path")).as("path %s", path).startsWith(first.id()).endsWith(other);
      });
      assertThat((List<String>) js(browser, "return window.dash.highlighted();")).contains(first.id(), other);

      await().atMost(Duration.ofSeconds(10)).until(() -> ((Number) js(browser, "return window.dash.ticks;")).intValue() >= 2);
      Map<String, Object> churn = (Map<String, Object>) js(browser, "return window.dash.lastTick.churn.total;");
      assertThat(((Number) churn.get("joins")).longValue()).as("the join, read from peer-events").isGreaterThanOrEqualTo(1);
      Files.write(SHOTS.resolve("dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }

  @SuppressWarnings("unchecked")
  @Test
  @Order(1)
  void thePlayerPagePlaysASongToTheEndThroughAPeerShowingWhereEachSegmentCameFrom() throws Exception {
    BrowserPlayer.requireChromium();
    ChromeDriver browser = BrowserPlayer.chromium();
    try {
      browser.get(dashboard.url() + "/player.html");
      await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(js(browser, "return window.player.ready;")));
      String peer = peers.peers().get(1).baseUrl();
      new Select(browser.findElement(By.id("song"))).selectByValue(SONG_ID);
      new Select(browser.findElement(By.id("peer"))).selectByValue(peer);
      new Select(browser.findElement(By.id("rate"))).selectByValue("16");
      browser.findElement(By.id("play")).click();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() ->
          Boolean.TRUE.equals(js(browser, "return window.player.ended;"))
              || !((List<?>) js(browser, "return window.player.fatal;")).isEmpty());
      assertThat((List<?>) js(browser, "return window.player.fatal;")).as("no fatal hls.js error").isEmpty();
      assertThat(js(browser, "return window.player.ended;")).as("played to the end").isEqualTo(true);

      List<Map<String, Object>> segments = (List<Map<String, Object>>) js(browser, "return window.player.segments;");
      int expected = http.getAbs(edgeUrl() + "/songs/" + SONG_ID).send().await().bodyAsJsonObject()
          .getJsonArray("renditions").getJsonObject(0).getJsonArray("segments").size();
      assertThat(segments.size()).as("every segment of the song").isGreaterThanOrEqualTo(expected);
      for (Map<String, Object> s : segments) {
        assertThat((String) s.get("url")).as("through the chosen peer").startsWith(peer + "/segments/");
        assertThat(s.get("source")).as("X-CDN-Source of %s", s.get("url")).isIn("local", "peer", "edge", "origin");
        assertThat(((Number) s.get("hops")).intValue()).isBetween(0, 2);
        assertThat(((Number) s.get("latencyMs")).doubleValue()).isPositive();
        assertThat(((Number) s.get("bitrate")).longValue()).isPositive();
      }
      System.out.printf("player: %d segments by source %s%n", segments.size(), js(browser, "return window.player.bySource;"));
      assertThat(browser.findElements(By.cssSelector("#segments tbody tr"))).hasSize(segments.size());
      Files.write(SHOTS.resolve("player.png"), browser.getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }

  static String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }
}
