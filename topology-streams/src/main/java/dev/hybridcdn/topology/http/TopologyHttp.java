package dev.hybridcdn.topology.http;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.topology.graph.GraphChange;
import dev.hybridcdn.topology.graph.PathMetric;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.graph.UnknownNodeException;
import dev.hybridcdn.topology.signalling.SignallingHub;
import dev.hybridcdn.topology.signalling.SignallingSocket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology HTTP API (ARCHITECTURE.md, "HTTP APIs", topology 8090):
 * <ul>
 *   <li>{@code GET /path?from=&to=&metric=hops|rtt&via=any|peers} (metric defaults to {@code hops}, via
 *       to {@code any}; {@code peers}: every node between the ends is a peer, a relay path) ->
 *       {@code {"from","to","metric","path":[...],"hops":n,"rttMs":x}}; 400 {@code missing_parameter},
 *       {@code invalid_node_id}, {@code invalid_metric}, {@code invalid_via}; 404 {@code unknown_node}, {@code no_path};</li>
 *   <li>{@code GET /topology} -> every node and link ({@link GraphJson#topology});</li>
 *   <li>{@code GET /neighbors/{peerId}} -> the node and its neighbours, lowest RTT first; 400, 404;</li>
 *   <li>{@code WS /ws/topology}: first a {@code {"type":"snapshot","nodes","edges"}} message, then one
 *       message per change ({@link GraphJson#change}); a subscriber whose write queue is full is closed
 *       (code 1013) and should reconnect for a new snapshot;</li>
 *   <li>{@code WS /ws/signalling} (when a hub is given): the signalling server, rooms per song and
 *       distribution orders ({@link SignallingSocket}, {@link SignallingHub});</li>
 *   <li>{@code /health} (the checks given by the app), {@code /metrics}.</li>
 * </ul>
 * Path searches run on the worker pool, not the event loop.
 */
public final class TopologyHttp {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyHttp.class);

  private final Vertx vertx;
  private final PeerGraph graph;
  private final Metrics metrics;
  private final Health health;
  private final String changeAddress = "topology.changes." + UUID.randomUUID();
  private final Consumer<GraphChange> changeListener;
  private final AtomicInteger subscribers = new AtomicInteger();
  private final Timer hopsQueries;
  private final Timer rttQueries;
  private final Counter droppedSubscribers;
  private final SignallingHub signalling;
  private final int signallingRate;

  public TopologyHttp(Vertx vertx, PeerGraph graph, Metrics metrics, Health health) {
    this(vertx, graph, metrics, health, null, 0);
  }

  /**
   * @param signalling the signalling hub served on {@code WS /ws/signalling}, or null (no such route)
   * @param signallingRate {@code SIGNALLING_RATE}, messages per second per connection
   */
  public TopologyHttp(Vertx vertx, PeerGraph graph, Metrics metrics, Health health, SignallingHub signalling,
      int signallingRate) {
    this.signalling = signalling;
    this.signallingRate = signallingRate;
    this.vertx = vertx;
    this.graph = graph;
    this.metrics = metrics;
    this.health = health;
    var registry = metrics.registry();
    this.hopsQueries = Timer.builder("cdn.topology.path.queries").tag("metric", "hops")
        .description("path queries answered (found or not)").register(registry);
    this.rttQueries = Timer.builder("cdn.topology.path.queries").tag("metric", "rtt")
        .description("path queries answered (found or not)").register(registry);
    this.droppedSubscribers = Counter.builder("cdn.topology.ws.slow.subscribers")
        .description("WebSocket subscribers closed because they did not keep up").register(registry);
    Gauge.builder("cdn.topology.nodes", graph, PeerGraph::nodeCount).description("nodes in the graph").register(registry);
    Gauge.builder("cdn.topology.links", graph, PeerGraph::linkCount).description("undirected links in the graph")
        .register(registry);
    Gauge.builder("cdn.topology.ws.subscribers", subscribers, AtomicInteger::get)
        .description("open /ws/topology connections").register(registry);
    this.changeListener = change -> {
      if (subscribers.get() > 0) {
        vertx.eventBus().publish(changeAddress, GraphJson.change(change, System.currentTimeMillis()).encode());
      }
    };
    graph.addListener(changeListener);
  }

  /**
   * A router with every route, made once per HTTP verticle instance ({@code HttpVerticles}); the
   * error envelope, {@code /health} and {@code /metrics} come from {@link ServiceRouter}. Changes
   * reach the WebSockets of every instance through the event bus.
   */
  public Router router() {
    Router router = ServiceRouter.create(vertx, health, metrics);
    router.get("/path").handler(this::path);
    router.get("/topology").handler(this::topology);
    router.get("/neighbors/:peerId").handler(this::neighbors);
    router.get("/ws/topology").handler(this::webSocket);
    if (signalling != null) {
      router.get("/ws/signalling").handler(this::signallingSocket);
    }
    return router;
  }

  /** Stops pushing changes (call when the server closes). */
  public void close() {
    graph.removeListener(changeListener);
  }

  private void path(RoutingContext ctx) {
    String from = nodeParam(ctx, "from");
    String to = nodeParam(ctx, "to");
    String metricText = ctx.request().getParam("metric");
    PathMetric metric = metricText == null ? PathMetric.HOPS : PathMetric.parse(metricText)
        .orElseThrow(() -> ApiError.badRequest("invalid_metric", "metric must be hops or rtt, was '" + clip(metricText) + "'"));
    String via = ctx.request().getParam("via");
    if (via != null && !via.equals("any") && !via.equals("peers")) {
      throw ApiError.badRequest("invalid_via", "via must be any or peers, was '" + clip(via) + "'");
    }
    boolean peersOnly = "peers".equals(via);
    Timer timer = metric == PathMetric.HOPS ? hopsQueries : rttQueries;
    vertx.executeBlocking(() -> timer.recordCallable(() -> graph.path(from, to, metric, peersOnly)), false)
        .onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ar.cause() instanceof UnknownNodeException u ? unknownNode(u.nodeId()) : ar.cause());
          } else if (ar.result().isEmpty()) {
            ctx.fail(new ApiError(404, "no_path", "no path from " + from + " to " + to
                + ": no chain of measured links joins them"));
          } else {
            json(ctx, GraphJson.path(ar.result().get()).encode());
          }
        });
  }

  private void topology(RoutingContext ctx) {
    // 10,000 nodes and 40,000 links take milliseconds to copy and encode: off the event loop.
    vertx.executeBlocking(() -> GraphJson.topology(graph.snapshot()).encode(), false)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            json(ctx, ar.result());
          } else {
            ctx.fail(ar.cause());
          }
        });
  }

  private void neighbors(RoutingContext ctx) {
    String id = ctx.pathParam("peerId");
    if (!Ids.isNodeId(id)) {
      throw ApiError.badRequest("invalid_node_id", "peerId must match [A-Za-z0-9._-]{1,64}: '" + clip(id) + "'");
    }
    Optional<PeerGraph.Node> node = graph.node(id);
    List<PeerGraph.Neighbor> neighbors;
    try {
      neighbors = graph.neighbors(id);
    } catch (UnknownNodeException e) {
      throw unknownNode(id);
    }
    json(ctx, GraphJson.neighbors(node.orElseThrow(() -> unknownNode(id)), neighbors).encode());
  }

  private void webSocket(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader("Upgrade");
    if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade)) {
      throw ApiError.badRequest("websocket_required", "/ws/topology takes a WebSocket upgrade request");
    }
    ctx.request().toWebSocket().onSuccess(this::subscribe).onFailure(e -> LOG.debug("WebSocket upgrade failed: {}", e.toString()));
  }

  private void signallingSocket(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader("Upgrade");
    if (upgrade == null || !"websocket".equalsIgnoreCase(upgrade)) {
      throw ApiError.badRequest("websocket_required", "/ws/signalling takes a WebSocket upgrade request");
    }
    ctx.request().toWebSocket()
        .onSuccess(ws -> SignallingSocket.serve(ws, signalling, signallingRate, metrics.registry()))
        .onFailure(e -> LOG.debug("WebSocket upgrade failed: {}", e.toString()));
  }

  private void subscribe(ServerWebSocket ws) {
    subscribers.incrementAndGet();
    // Registered before the snapshot is taken so no change falls between the two (one may show in both).
    MessageConsumer<String> consumer = vertx.eventBus().localConsumer(changeAddress, msg -> {
      if (ws.isClosed()) {
        return;
      }
      if (ws.writeQueueFull()) {
        droppedSubscribers.increment();
        ws.close((short) 1013, "subscriber too slow; reconnect for a new snapshot");
        return;
      }
      ws.writeTextMessage(msg.body());
    });
    ws.closeHandler(v -> {
      subscribers.decrementAndGet();
      consumer.unregister();
    });
    ws.textMessageHandler(text -> { }); // subscribers only listen; input is ignored
    // Deliveries run on this same event loop after this method returns, so the snapshot goes first.
    ws.writeTextMessage(GraphJson.topology(graph.snapshot()).put("type", "snapshot")
        .put("ts", System.currentTimeMillis()).encode());
  }

  private static String nodeParam(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      throw ApiError.badRequest("missing_parameter", "query parameter '" + name + "' is required");
    }
    if (!Ids.isNodeId(v)) {
      throw ApiError.badRequest("invalid_node_id", name + " must match [A-Za-z0-9._-]{1,64}: '" + clip(v) + "'");
    }
    return v;
  }

  private static ApiError unknownNode(String id) {
    return ApiError.notFound("unknown_node", "unknown node " + id + ": never measured, or it left or expired");
  }

  private static void json(RoutingContext ctx, String body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body);
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
