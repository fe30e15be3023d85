package dev.hybridcdn.peer.route;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.TrackerClient.Holder;
import dev.hybridcdn.peer.relay.RelayHops;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What the fetch pipeline asks of the topology (issue 15, item 1): holders ranked by the
 * RTT-shortest path from this peer ({@link PathRanking}, paths from {@link TopologyPaths} within
 * {@code TOPOLOGY_TIMEOUT_MS}), and a segment brought along that path through relays when the holder
 * cannot be reached directly ({@link RelayHops}). A holder whose direct connection failed while a
 * relay delivered is asked through the relay first for {@code unreachableMs}.
 */
public final class PathRouter {
  /**
   * Bytes brought through relays.
   *
   * @param relayed the verified bytes and the nodes they travelled (the first relay first, the holder last)
   */
  public record ViaRelay(RelayHops.Relayed relayed, PathRanking.PeerPath path) {}

  private final RouteConfig config;
  private final TopologyPaths paths;
  private final RelayHops hops;
  private final String region;
  private final long unreachableMs;
  private final Map<String, Long> unreachableUntil = new ConcurrentHashMap<>();
  private final Predicate<String> isEdge;
  private final RelayCounts counts = new RelayCounts();

  /**
   * @param unreachableMs how long a holder reached only through a relay is asked that way first
   * @param isEdge true for the ids of the edges this peer knows (its probed edges): no relay path may
   *     pass one, even if a topology without {@code via=peers} answers such a path
   */
  public PathRouter(RouteConfig config, TopologyPaths paths, RelayHops hops, String region, long unreachableMs,
      Predicate<String> isEdge) {
    this.config = config;
    this.paths = paths;
    this.hops = hops;
    this.region = region;
    this.unreachableMs = unreachableMs;
    this.isEdge = isEdge;
  }

  /** Relay attempts of this peer's fetches so far, by holder (for {@code /status} and {@code cdn eval}). */
  public RelayCounts counts() {
    return counts;
  }

  /**
   * Why a topology path cannot carry a relayed segment, or null when it can: it must have 2 to
   * {@value RouteConfig#MAX_HOPS} hops (1 is the direct connection that just failed) and every node
   * between this peer and the holder must be a peer (only peers relay; issue 15, item 1).
   */
  static String unusable(PathRanking.PeerPath p, Predicate<String> isEdge) {
    if (p.hops() < 2 || p.hops() > RouteConfig.MAX_HOPS) {
      return p.hops() + " hops";
    }
    List<String> between = p.nodes().subList(1, p.nodes().size() - 1);
    for (String n : between) {
      if (isEdge.test(n)) {
        return "through the edge " + n;
      }
    }
    return null;
  }

  /** True when holders are ranked by path and relays are tried. */
  public boolean enabled() {
    return config.pathAware();
  }

  /** The holders by path RTT, waiting at most {@code boundMs} for paths not cached; never fails. */
  public Future<List<Holder>> rank(List<Holder> holders, long boundMs) {
    if (!enabled() || holders.size() < 2) {
      return Future.succeededFuture(holders);
    }
    List<String> ids = new ArrayList<>(holders.size());
    holders.forEach(h -> ids.add(h.peerId()));
    return paths.paths(ids, Math.min(boundMs, config.topologyTimeout().toMillis()))
        .map(known -> PathRanking.rank(holders, known, region));
  }

  /** True while the holder is known to be reachable only through a relay. */
  public boolean relayFirst(String holderId, long nowMs) {
    Long until = unreachableUntil.get(holderId);
    return until != null && until > nowMs;
  }

  /**
   * The segment from the holder along the topology's path through 1 or 2 relays (at most {@value
   * RouteConfig#MAX_HOPS} hops).
   *
   * @return fails when there is no such path within the bound, or a relay failed (its reason)
   */
  public Future<ViaRelay> viaRelay(Manifest.Segment info, String holderId, long boundMs) {
    long deadline = System.currentTimeMillis() + boundMs;
    counts.asked(holderId);
    return paths.path(holderId).timeout(Math.max(1, Math.min(boundMs, config.topologyTimeout().toMillis() * 5)),
            java.util.concurrent.TimeUnit.MILLISECONDS)
        .compose(p -> {
          String why = p.isEmpty() ? "none" : unusable(p.get(), isEdge);
          if (why != null) {
            return Future.failedFuture("no relay path to " + holderId
                + p.map(x -> " (topology: " + String.join(",", x.nodes()) + ", " + why + ")").orElse(" in the topology"));
          }
          long left = Math.max(1, deadline - System.currentTimeMillis());
          return hops.fetch(info, p.get().beyondSelf(), left).map(r -> {
            unreachableUntil.put(holderId, System.currentTimeMillis() + unreachableMs);
            counts.delivered(holderId, holderId.equals(r.path().get(r.path().size() - 1)));
            return new ViaRelay(r, p.get());
          });
        });
  }
}
