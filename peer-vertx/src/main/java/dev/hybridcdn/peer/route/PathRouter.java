package dev.hybridcdn.peer.route;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.TrackerClient.Holder;
import dev.hybridcdn.peer.relay.PeerDirectory;
import dev.hybridcdn.peer.relay.RelayHops;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
   * @param relayed the verified bytes and the nodes they travelled (the first relay first, the holder
   *     last; shorter when a relay answered from its own copy)
   * @param route the nodes asked: this peer first, the holder last
   */
  public record ViaRelay(RelayHops.Relayed relayed, List<String> route) {}

  private final RouteConfig config;
  private final TopologyPaths paths;
  private final RelayHops hops;
  private final String region;
  private final long unreachableMs;
  private final Map<String, Long> unreachableUntil = new ConcurrentHashMap<>();
  private final Predicate<String> isEdge;
  private final RelayCounts counts = new RelayCounts();
  private final String self;
  private final PeerDirectory directory;
  /** Holder -> the relay that last delivered its own bytes (a NAT'd holder's relay). */
  private final Map<String, String> relayOf = new ConcurrentHashMap<>();

  /** Peers a holder measures that are tried as its relay when the topology gives no route. */
  static final int LINK_RELAYS = 3;

  /**
   * @param self this peer's id
   * @param directory resolves the peers a holder measures (its relay among them)
   * @param unreachableMs how long a holder reached only through a relay is asked that way first
   * @param isEdge true for the ids of the edges this peer knows (its probed edges): no relay path may
   *     pass one, even if a topology without {@code via=peers} answers such a path
   */
  public PathRouter(String self, RouteConfig config, TopologyPaths paths, RelayHops hops, PeerDirectory directory,
      String region, long unreachableMs, Predicate<String> isEdge) {
    this.self = self;
    this.directory = directory;
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
   * The segment from the holder through 1 or 2 relays (at most {@value RouteConfig#MAX_HOPS} hops),
   * tried in this order within {@code boundMs}:
   * <ol>
   *   <li>the relay that last delivered this holder's bytes, if any ({@code [relay, holder]});</li>
   *   <li>the topology's RTT-shortest peer-only path;</li>
   *   <li>the peers the holder itself measures links to, nearest first, as {@code [peer, holder]}
   *       (at most {@value #LINK_RELAYS}). A holder behind NAT is reachable only through the relay it
   *       polls, which it measures; a topology path's last relay is often another peer, and among many
   *       peers the peer-only graph often has no path at all (issue 15: 19 of 52 probe misses at 50
   *       peers).</li>
   * </ol>
   *
   * @return fails when no route delivered within the bound, with every route's reason
   */
  public Future<ViaRelay> viaRelay(Manifest.Segment info, String holderId, long boundMs) {
    long deadline = System.currentTimeMillis() + boundMs;
    counts.asked(holderId);
    List<String> reasons = new ArrayList<>();
    Set<String> tried = new HashSet<>();
    String known = relayOf.get(holderId);
    Future<ViaRelay> first = known == null ? Future.failedFuture("no relay known")
        : along(info, holderId, List.of(self, known, holderId), deadline);
    if (known != null) {
      tried.add(known);
    }
    return first
        .recover(e -> {
          if (known != null) {
            reasons.add("via " + known + ": " + e.getMessage());
            relayOf.remove(holderId, known);
          }
          return topologyRoute(info, holderId, deadline, tried);
        })
        .recover(e -> {
          reasons.add(e.getMessage());
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            return Future.failedFuture(String.join("; ", reasons));
          }
          return directory.measuredLinks(holderId, Math.min(left, config.topologyTimeout().toMillis()))
              .compose(linked -> {
                List<String> relays = new ArrayList<>();
                for (String id : linked) {
                  if (relays.size() < LINK_RELAYS && !id.equals(self) && !id.equals(holderId) && !isEdge.test(id)
                      && !tried.contains(id)) {
                    relays.add(id);
                  }
                }
                if (relays.isEmpty()) {
                  reasons.add(holderId + " measures no other peer");
                }
                return throughLinked(info, holderId, relays, 0, deadline, reasons);
              });
        })
        .onSuccess(v -> {
          unreachableUntil.put(holderId, System.currentTimeMillis() + unreachableMs);
          List<String> path = v.relayed().path();
          boolean fromHolder = holderId.equals(path.get(path.size() - 1));
          counts.delivered(holderId, fromHolder);
          if (fromHolder) {
            relayOf.put(holderId, path.get(path.size() - 2));
          }
        });
  }

  /** The topology's path, when it can carry a relayed segment. */
  private Future<ViaRelay> topologyRoute(Manifest.Segment info, String holderId, long deadline, Set<String> tried) {
    long left = Math.max(1, deadline - System.currentTimeMillis());
    return paths.path(holderId).timeout(Math.max(1, Math.min(left, config.topologyTimeout().toMillis() * 5)),
            java.util.concurrent.TimeUnit.MILLISECONDS)
        .compose(p -> {
          String why = p.isEmpty() ? "none" : unusable(p.get(), isEdge);
          if (why != null) {
            return Future.failedFuture("no relay path to " + holderId
                + p.map(x -> " (topology: " + String.join(",", x.nodes()) + ", " + why + ")").orElse(" in the topology"));
          }
          List<String> route = p.get().nodes();
          if (!tried.add(route.get(route.size() - 2))) {
            return Future.failedFuture("the topology's path to " + holderId + " ends through " + route.get(route.size() - 2)
                + ", just tried");
          }
          return along(info, holderId, route, deadline);
        });
  }

  /** {@code [relays[i], holder]}, then the next relay on failure. */
  private Future<ViaRelay> throughLinked(Manifest.Segment info, String holderId, List<String> relays, int i,
      long deadline, List<String> reasons) {
    if (i >= relays.size() || deadline - System.currentTimeMillis() <= 0) {
      return Future.failedFuture(String.join("; ", reasons));
    }
    return along(info, holderId, List.of(self, relays.get(i), holderId), deadline).recover(e -> {
      reasons.add("via " + relays.get(i) + ": " + e.getMessage());
      return throughLinked(info, holderId, relays, i + 1, deadline, reasons);
    });
  }

  /** The segment along {@code route} (this peer first, the holder last). */
  private Future<ViaRelay> along(Manifest.Segment info, String holderId, List<String> route, long deadline) {
    long left = Math.max(1, deadline - System.currentTimeMillis());
    return hops.fetch(info, route.subList(1, route.size()), left).map(r -> new ViaRelay(r, route));
  }
}
