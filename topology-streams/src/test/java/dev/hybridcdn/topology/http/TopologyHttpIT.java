package dev.hybridcdn.topology.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import dev.hybridcdn.topology.graph.PeerGraph;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API on a real server on loopback, over a graph filled directly (no Kafka here). */
class TopologyHttpIT {
  private static Vertx vertx;
  private static PeerGraph graph;
  private static TopologyHttp http;
  private static HttpVerticles.Deployed server;
  private static WebClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    graph = new PeerGraph();
    graph.upsertNode("a", NodeKind.PEER, "eu-west", true);
    graph.measureLink("a", "b", NodeKind.PEER, null, 100);
    graph.measureLink("a", "c", NodeKind.PEER, null, 5);
    graph.measureLink("c", "b", NodeKind.PEER, null, 5);
    graph.measureLink("a", "edge-1", NodeKind.EDGE, "eu-west", 2);
    graph.upsertNode("island", NodeKind.PEER, "us-east", true);
    http = new TopologyHttp(vertx, graph, new Metrics(),
        new Health().required("kafka-streams", () -> Future.succeededFuture(Health.Check.up("RUNNING"))));
    // Two instances, as in production: each has its own router; WebSocket changes reach both.
    server = HttpVerticles.deploy(vertx, new HttpServerOptions().setHost("127.0.0.1").setPort(0), 2, http::router,
        Duration.ofSeconds(10), "topology HTTP");
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    http.close();
    await(server.undeploy(vertx));
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return await(client.get(server.port(), "127.0.0.1", uri).send());
  }

  @Test
  void pathByHopsAndByRtt() throws Exception {
    JsonObject hops = get("/path?from=a&to=b&metric=hops").bodyAsJsonObject();
    assertThat(hops).isEqualTo(new JsonObject().put("from", "a").put("to", "b").put("metric", "hops")
        .put("path", new JsonArray(List.of("a", "b"))).put("hops", 1).put("rttMs", 100.0));

    HttpResponse<Buffer> rtt = get("/path?from=a&to=b&metric=rtt");
    assertThat(rtt.statusCode()).isEqualTo(200);
    assertThat(rtt.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(rtt.bodyAsJsonObject().getJsonArray("path").getList()).containsExactly("a", "c", "b");
    assertThat(rtt.bodyAsJsonObject().getInteger("hops")).isEqualTo(2);
    assertThat(rtt.bodyAsJsonObject().getDouble("rttMs")).isEqualTo(10.0);

    assertThat(get("/path?from=b&to=edge-1").bodyAsJsonObject().getString("metric")).as("default metric").isEqualTo("hops");
  }

  @Test
  void badQueriesAnswerTheErrorEnvelope() throws Exception {
    assertError(get("/path?to=b&metric=rtt"), 400, "missing_parameter");
    assertError(get("/path?from=a&metric=rtt"), 400, "missing_parameter");
    assertError(get("/path?from=a%2Fx&to=b"), 400, "invalid_node_id");
    assertError(get("/path?from=a&to=" + "x".repeat(65)), 400, "invalid_node_id");
    assertError(get("/path?from=a&to=b&metric=latency"), 400, "invalid_metric");
    assertError(get("/path?from=nobody&to=b"), 404, "unknown_node");
    assertError(get("/path?from=a&to=nobody&metric=rtt"), 404, "unknown_node");
    HttpResponse<Buffer> noPath = get("/path?from=a&to=island&metric=rtt");
    assertError(noPath, 404, "no_path");
    assertThat(noPath.bodyAsJsonObject().getString("message")).contains("no path from a to island");
    assertError(get("/neighbors/bad%20id"), 400, "invalid_node_id");
    assertError(get("/neighbors/nobody"), 404, "unknown_node");
    assertError(get("/nowhere"), 404, "not_found");
    assertError(await(client.post(server.port(), "127.0.0.1", "/path").send()), 405, "method_not_allowed");
    assertError(get("/ws/topology"), 400, "websocket_required");
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    assertThat(body.getJsonArray("details")).isNotNull();
  }

  @Test
  void topologyAndNeighbors() throws Exception {
    JsonObject topology = get("/topology").bodyAsJsonObject();
    assertThat(topology.getInteger("nodeCount")).isEqualTo(5);
    assertThat(topology.getInteger("edgeCount")).isEqualTo(4);
    assertThat(topology.getJsonArray("nodes")).contains(new JsonObject().put("id", "edge-1").put("kind", "edge")
        .put("region", "eu-west"));
    assertThat(topology.getJsonArray("edges")).contains(new JsonObject().put("from", "a").put("to", "c").put("rttMs", 5.0));

    JsonObject neighbors = get("/neighbors/a").bodyAsJsonObject();
    assertThat(neighbors.getString("peerId")).isEqualTo("a");
    assertThat(neighbors.getString("region")).isEqualTo("eu-west");
    assertThat(neighbors.getJsonArray("neighbors").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly("edge-1", "c", "b");
  }

  @Test
  void healthAndMetrics() throws Exception {
    assertThat(get("/health").bodyAsJsonObject().getString("status")).isEqualTo("UP");
    get("/path?from=a&to=c&metric=rtt");
    String metrics = get("/metrics").bodyAsString();
    assertThat(metrics).contains("cdn_topology_nodes").contains("cdn_topology_links")
        .contains("cdn_topology_path_queries_seconds_count{metric=\"rtt\"}");
  }

  @Test
  void aWebSocketSubscriberGetsASnapshotThenEveryChange() throws Exception {
    WebSocketClient wsClient = vertx.createWebSocketClient();
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    // The handler is set in the completion callback, on the event loop, before any frame is read.
    WebSocket ws = await(wsClient.webSocket() // the handler is set before the connection: the first frame is never missed
        .textMessageHandler(text -> messages.add(new JsonObject(text))).connect(server.port(), "127.0.0.1", "/ws/topology"));
    Awaitility.await("snapshot").atMost(Duration.ofSeconds(5)).until(() -> !messages.isEmpty());
    assertThat(messages.get(0).getString("type")).isEqualTo("snapshot");
    assertThat(messages.get(0).getJsonArray("nodes")).isNotEmpty();

    graph.measureLink("island", "a", NodeKind.PEER, null, 7);
    Awaitility.await("link-upserted message").atMost(Duration.ofSeconds(1)).until(() -> messages.stream()
        .anyMatch(m -> "link-upserted".equals(m.getString("type")) && "a".equals(m.getString("from"))
            && "island".equals(m.getString("to")) && m.getDouble("rttMs") == 7.0));
    graph.dropMeasurement("island", "a");
    Awaitility.await("link-removed message").atMost(Duration.ofSeconds(1)).until(() -> messages.stream()
        .anyMatch(m -> "link-removed".equals(m.getString("type")) && "island".equals(m.getString("to"))));
    await(ws.close());
    await(wsClient.close());
  }
}
