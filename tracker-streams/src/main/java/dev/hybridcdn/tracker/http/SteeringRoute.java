package dev.hybridcdn.tracker.http;

import dev.hybridcdn.contract.hls.SteeringManifest;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.PathParams;
import dev.hybridcdn.tracker.index.PeerDirectory;
import dev.hybridcdn.tracker.index.PeerState;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The HLS Content Steering server of the swarm (Apple, "HLS Content Steering Specification";
 * draft-pantos-hls-rfc8216bis section 7.2): {@code GET /steering/{songId}?peer=<id>&region=<region>&edges=<id,...>
 * &_HLS_pathway=<current>&_HLS_throughput=<bit/s>} answers the steering manifest JSON a player reloads every
 * {@code TTL} s. A peer's master playlist points its {@code SERVER-URI} here with {@code peer},
 * {@code region} and {@code edges} (its edge pathways, preferred first); players add the
 * {@code _HLS_*} parameters. {@code PATHWAY-PRIORITY} is the requesting peer while it is live,
 * then one live peer of its region (the backup), then the edges; a dead peer drops out at the
 * next reload (when its region has no other live peer it stays ahead of the edges, as a peer
 * the directory does not know yet may be one that just joined). The backup is the client's current pathway when that is a live peer of the region
 * (no needless switch), else the live peer of the region with the highest rendezvous hash with
 * the requesting peer (Thaler and Ravishankar 1998: stable while the region's peers stay, spread
 * over them). A backup the master playlist may not list is also given as a {@code PATHWAY-CLONES}
 * entry copying the peer's pathway with the backup's host.
 *
 * <p>Errors (400 envelope): {@code invalid_song_id}, {@code invalid_peer_id} (missing or not a
 * node id), {@code invalid_region}, {@code invalid_edges} (more than {@value #MAX_EDGES} or not
 * pathway ids), {@code invalid_pathway}, {@code invalid_throughput} (not a non-negative integer).
 * Answers from this instance's global peer directory, so any tracker instance answers any peer.
 */
public final class SteeringRoute {
  /** Edge pathways a request may name. */
  public static final int MAX_EDGES = 16;
  private final Function<String, PeerState> live;
  private final Collection<PeerState> all;
  private final long ttlSeconds;

  /** @param ttl {@code TTL} of the answers, rounded up to whole seconds */
  public SteeringRoute(PeerDirectory directory, Duration ttl) {
    this(directory::get, directory.live(), ttl);
  }

  SteeringRoute(Function<String, PeerState> live, Collection<PeerState> all, Duration ttl) {
    this.live = live;
    this.all = all;
    this.ttlSeconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
  }

  /** Adds {@code GET /steering/:songId} to the router. */
  public void install(Router router) {
    router.get("/steering/:songId").handler(this::steer);
  }

  private void steer(RoutingContext ctx) {
    String songId = PathParams.songId(ctx);
    var q = ctx.request().params();
    String peer = q.get("peer");
    if (!Ids.isNodeId(peer)) {
      throw ApiError.badRequest("invalid_peer_id", "peer must be the requesting peer's id (" + Ids.NODE_ID.pattern() + ")");
    }
    String region = q.get("region");
    if (region != null && !Ids.isRegion(region)) {
      throw ApiError.badRequest("invalid_region", "region must match " + Ids.REGION.pattern());
    }
    List<String> edges = edges(q.get("edges"));
    String current = q.get("_HLS_pathway");
    if (current != null && !current.equals(".") && !SteeringManifest.PATHWAY_ID.matcher(current).matches()) {
      throw ApiError.badRequest("invalid_pathway", "_HLS_pathway must be a pathway id");
    }
    String throughput = q.get("_HLS_throughput");
    if (throughput != null && !throughput.matches("[0-9]{1,15}")) {
      throw ApiError.badRequest("invalid_throughput", "_HLS_throughput must be a non-negative integer (bit/s)");
    }
    String reload = "/steering/" + songId + "?peer=" + peer + (region == null ? "" : "&region=" + region)
        + (edges.isEmpty() ? "" : "&edges=" + URLEncoder.encode(String.join(",", edges), StandardCharsets.UTF_8));
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .putHeader("Access-Control-Allow-Origin", "*")
        .end(plan(peer, region, edges, current, reload).toJson());
  }

  private static List<String> edges(String param) {
    if (param == null || param.isEmpty()) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>(List.of(param.split(",", -1)));
    if (out.size() > MAX_EDGES || !out.stream().allMatch(e -> SteeringManifest.PATHWAY_ID.matcher(e).matches())) {
      throw ApiError.badRequest("invalid_edges", "edges must be at most " + MAX_EDGES + " comma-separated pathway ids");
    }
    return List.copyOf(out);
  }

  /**
   * The steering manifest for one peer's players.
   *
   * @param region the peer's region; null takes it from the directory (unknown once the peer is gone)
   * @param current the client's current pathway, or null
   */
  SteeringManifest plan(String peerId, String region, List<String> edges, String current, String reloadUri) {
    PeerState self = announced(live.apply(peerId));
    String r = region != null ? region : self == null ? null : self.region();
    List<String> priority = new ArrayList<>();
    if (self != null) {
      priority.add(peerId);
    }
    PeerState backup = r == null ? null : backup(peerId, r, current);
    List<SteeringManifest.PathwayClone> clones = new ArrayList<>();
    if (backup != null) {
      priority.add(backup.peerId());
      String host = host(backup.baseUrl());
      if (host != null) {
        clones.add(new SteeringManifest.PathwayClone(peerId, backup.peerId(), host));
      }
    }
    if (self == null && backup == null) {
      // Not in the directory: dead, or joined so recently that the directory has not caught up.
      // With no other peer to offer, keep it ahead of the edges: a dead one costs the player one
      // refused connection before it fails over, a live one dropped would send its players to
      // the edge.
      priority.add(peerId);
    }
    edges.stream().filter(e -> !priority.contains(e)).forEach(priority::add);
    return new SteeringManifest(SteeringManifest.VERSION, ttlSeconds, reloadUri, priority, clones);
  }

  private PeerState backup(String peerId, String region, String current) {
    PeerState sticky = current == null || current.equals(peerId) ? null : announced(live.apply(current));
    if (sticky != null && region.equals(sticky.region()) && host(sticky.baseUrl()) != null) {
      return sticky;
    }
    PeerState best = null;
    long bestScore = Long.MIN_VALUE;
    for (PeerState p : all) {
      if (!p.announced() || p.peerId().equals(peerId) || !region.equals(p.region()) || host(p.baseUrl()) == null) {
        continue;
      }
      long score = mix((peerId + '|' + p.peerId()).hashCode());
      if (best == null || score > bestScore || (score == bestScore && p.peerId().compareTo(best.peerId()) < 0)) {
        best = p;
        bestScore = score;
      }
    }
    return best;
  }

  private static PeerState announced(PeerState s) {
    return s != null && s.announced() ? s : null;
  }

  /** {@code host:port} of an http(s) base URL, null when it is not one. */
  private static String host(String baseUrl) {
    try {
      URI u = URI.create(baseUrl);
      if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
        return null;
      }
      return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A 64-bit finaliser (SplitMix64) over the string hash, so rendezvous scores are well spread. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
