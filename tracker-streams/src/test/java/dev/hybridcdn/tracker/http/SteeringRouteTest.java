package dev.hybridcdn.tracker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.hls.SteeringManifest;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.tracker.index.PeerState;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The steering manifest: order, a dead peer dropped, the backup, and every bad parameter a 400. */
class SteeringRouteTest {
  private static final Map<String, PeerState> LIVE = new ConcurrentHashMap<>();
  private static final SteeringRoute ROUTE = new SteeringRoute(LIVE::get, LIVE.values(), Duration.ofMillis(2500));
  private static Vertx vertx;
  private static HttpServer server;
  private static WebClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    Router router = ServiceRouter.create(vertx, new Health(), new Metrics());
    ROUTE.install(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @BeforeEach
  void swarm() {
    LIVE.clear();
    for (int i = 1; i <= 4; i++) {
      live("p" + i, i <= 3 ? "eu-west" : "us-east", 9000 + i);
    }
  }

  private static void live(String id, String region, int port) {
    LIVE.put(id, new PeerState(id, true, region, "http://127.0.0.1:" + port, 5, 1 << 20, 0, 0, 0, 0, null, 0, 0, 0, 0,
        0, Map.of()));
  }

  @Test
  void theLivePeerComesFirstThenALivePeerOfItsRegionThenTheEdges() {
    SteeringManifest m = ROUTE.plan("p1", "eu-west", List.of("edge-eu", "edge-us"), null, "/r");
    assertThat(m.pathwayPriority()).hasSize(4).startsWith("p1").endsWith("edge-eu", "edge-us");
    String backup = m.pathwayPriority().get(1);
    assertThat(backup).isIn("p2", "p3");
    assertThat(m.pathwayClones()).containsExactly(new SteeringManifest.PathwayClone("p1", backup,
        LIVE.get(backup).baseUrl().substring("http://".length())));
    assertThat(m.ttlSeconds()).isEqualTo(3);
    assertThat(ROUTE.plan("p1", "eu-west", List.of("edge-eu"), null, "/r").pathwayPriority().get(1))
        .as("the backup is stable between reloads").isEqualTo(backup);
  }

  @Test
  void aDeadPeerDropsOutAndItsBackupIsReplacedAtTheNextReload() {
    SteeringManifest before = ROUTE.plan("p1", "eu-west", List.of("edge-eu"), "p1", "/r");
    String backup = before.pathwayPriority().get(1);
    LIVE.remove("p1");
    assertThat(ROUTE.plan("p1", "eu-west", List.of("edge-eu"), "p1", "/r").pathwayPriority())
        .containsExactly(backup, "edge-eu");
    LIVE.remove(backup);
    String other = backup.equals("p2") ? "p3" : "p2";
    assertThat(ROUTE.plan("p1", "eu-west", List.of("edge-eu"), backup, "/r").pathwayPriority())
        .containsExactly(other, "edge-eu");
    LIVE.remove(other);
    assertThat(ROUTE.plan("p1", "eu-west", List.of("edge-eu"), other, "/r").pathwayPriority())
        .as("no other peer of the region: the unknown peer stays ahead of the edge (it may have just joined)")
        .containsExactly("p1", "edge-eu");
  }

  @Test
  void theCurrentPathwayStaysTheBackupWhileItIsALivePeerOfTheRegion() {
    assertThat(ROUTE.plan("p1", "eu-west", List.of(), "p3", "/r").pathwayPriority()).containsExactly("p1", "p3");
    assertThat(ROUTE.plan("p1", "eu-west", List.of(), "p2", "/r").pathwayPriority()).containsExactly("p1", "p2");
    assertThat(ROUTE.plan("p1", "eu-west", List.of(), "p4", "/r").pathwayPriority())
        .as("another region's peer is no backup").doesNotContain("p4");
  }

  @Test
  void overHttpTheAnswerIsASteeringManifestWithAReloadUri() {
    var r = client.get(server.actualPort(), "127.0.0.1",
        "/steering/demo?peer=p4&region=us-east&edges=edge-us&_HLS_pathway=.&_HLS_throughput=1250000").send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    SteeringManifest m = SteeringManifest.parse(r.bodyAsString());
    assertThat(m.pathwayPriority()).containsExactly("p4", "edge-us");
    assertThat(m.reloadUri()).isEqualTo("/steering/demo?peer=p4&region=us-east&edges=edge-us");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/steering/bad%20song?peer=p1|invalid_song_id",
      "/steering/demo|invalid_peer_id",
      "/steering/demo?peer=a%20b|invalid_peer_id",
      "/steering/demo?peer=p1&region=EU_WEST|invalid_region",
      "/steering/demo?peer=p1&edges=e1,,e2|invalid_edges",
      "/steering/demo?peer=p1&edges=e1,e2,e3,e4,e5,e6,e7,e8,e9,e10,e11,e12,e13,e14,e15,e16,e17|invalid_edges",
      "/steering/demo?peer=p1&_HLS_pathway=a%2Fb|invalid_pathway",
      "/steering/demo?peer=p1&_HLS_throughput=-5|invalid_throughput",
      "/steering/demo?peer=p1&_HLS_throughput=fast|invalid_throughput"})
  void badParametersAre400WithTheEnvelope(String uri, String code) {
    var r = client.get(server.actualPort(), "127.0.0.1", uri).send().await();
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo(code);
  }
}
