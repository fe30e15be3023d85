package dev.hybridcdn.peer.route;

import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RTT-shortest paths from this peer through peers only, asked of topology-streams ({@code GET
 * {TOPOLOGY_URL}/path?from=<self>&to=<node>&metric=rtt&via=peers} answering {@code {"from","to","metric","path":[...],"hops","rttMs"}}; 404
 * {@code no_path} / {@code unknown_node} = no path). Every answer, a path or its absence, is kept
 * {@code TOPOLOGY_CACHE_MS}; a fetch waits for answers at most its bound and ranks with what it has,
 * while a late answer still fills the cache for the next fetch. A topology that is down, slow or
 * answers nonsense means "no path" (the tracker's ranking). Never fails.
 */
public final class TopologyPaths {
  private record Entry(Optional<PathRanking.PeerPath> path, long atMs) {}

  private final Vertx vertx;
  private final WebClient client;
  private final RouteConfig config;
  private final String self;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  private final Map<String, Future<Optional<PathRanking.PeerPath>>> asking = new ConcurrentHashMap<>();

  public TopologyPaths(Vertx vertx, WebClient client, RouteConfig config, String self) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.self = self;
  }

  /**
   * Paths to several nodes, waiting at most {@code boundMs} for those not cached.
   *
   * @return node id -> path, only for nodes with a known path; never fails
   */
  public Future<Map<String, PathRanking.PeerPath>> paths(List<String> to, long boundMs) {
    if (!config.pathAware() || to.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Future<Optional<PathRanking.PeerPath>>> asks = new ArrayList<>(to.size());
    for (String id : to) {
      asks.add(path(id));
    }
    Promise<Map<String, PathRanking.PeerPath>> done = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, boundMs), t -> done.tryComplete(known(to)));
    Future.join(new ArrayList<>(asks)).onComplete(ar -> {
      vertx.cancelTimer(timer);
      done.tryComplete(known(to));
    });
    return done.future();
  }

  /** The path to one node, from the cache or the topology (unbounded; {@link #paths} bounds it). */
  public Future<Optional<PathRanking.PeerPath>> path(String to) {
    long now = System.currentTimeMillis();
    Entry e = cache.get(to);
    if (e != null && now - e.atMs() < config.pathCache().toMillis()) {
      return Future.succeededFuture(e.path());
    }
    if (!config.pathAware() || !Ids.isNodeId(to) || to.equals(self)) {
      return Future.succeededFuture(Optional.empty());
    }
    return asking.computeIfAbsent(to, k -> ask(k).onComplete(ar -> asking.remove(k)));
  }

  /** The cached path to a node, if any and fresh. */
  public Optional<PathRanking.PeerPath> cached(String to) {
    Entry e = cache.get(to);
    return e == null || System.currentTimeMillis() - e.atMs() >= config.pathCache().toMillis()
        ? Optional.empty() : e.path();
  }

  private Map<String, PathRanking.PeerPath> known(List<String> to) {
    Map<String, PathRanking.PeerPath> out = new HashMap<>();
    for (String id : to) {
      cached(id).ifPresent(p -> out.put(id, p));
    }
    return out;
  }

  private Future<Optional<PathRanking.PeerPath>> ask(String to) {
    // via=peers: only peers relay, so a path through an edge is neither a relay path nor the route bytes take.
    String url = config.topologyUrl() + "/path?from=" + self + "&to=" + to + "&metric=rtt&via=peers";
    // The bound here only keeps a hung topology from piling up requests; fetches wait less.
    return Http.get(client, url, Math.max(1000, config.topologyTimeout().toMillis()), null, null)
        .transform(ar -> {
          Optional<PathRanking.PeerPath> path = Optional.empty();
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            path = parse(ar.result().bodyAsString(), self, to);
          } else if (ar.succeeded() && ar.result().statusCode() != 404) {
            // A 5xx or a failed request says nothing about the path: not cached, asked again next time.
            return Future.succeededFuture(Optional.empty());
          } else if (ar.failed()) {
            return Future.succeededFuture(Optional.empty());
          }
          cache.put(to, new Entry(path, System.currentTimeMillis()));
          return Future.succeededFuture(path);
        });
  }

  /**
   * A {@code /path} answer as a path from {@code self} to {@code to}; empty when it is malformed, does
   * not run from self to the target, repeats a node or names an invalid id.
   */
  static Optional<PathRanking.PeerPath> parse(String body, String self, String to) {
    try {
      JsonObject o = new JsonObject(body);
      List<String> nodes = new ArrayList<>();
      for (Object n : o.getJsonArray("path")) {
        if (!(n instanceof String s) || !Ids.isNodeId(s) || nodes.contains(s)) {
          return Optional.empty();
        }
        nodes.add(s);
      }
      Number rtt = o.getNumber("rttMs");
      if (nodes.size() < 2 || !nodes.get(0).equals(self) || !nodes.get(nodes.size() - 1).equals(to) || rtt == null
          || !(rtt.doubleValue() >= 0)) {
        return Optional.empty();
      }
      return Optional.of(new PathRanking.PeerPath(nodes, rtt.doubleValue()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
